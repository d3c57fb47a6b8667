#include "importer/import_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "common/duration.h"
#include "importer/time_text.h"

namespace vmx::importer {
namespace {

std::string StringField(const nlohmann::json& j, const char* name) {
  if (!j.is_object() || !j.contains(name) || j[name].is_null()) return "";
  if (j[name].is_string()) return j[name].get<std::string>();
  if (j[name].is_number()) return j[name].dump();
  return "";
}

bool BoolField(const nlohmann::json& j, const char* name, bool fallback) {
  if (!j.is_object() || !j.contains(name) || !j[name].is_boolean()) return fallback;
  return j[name].get<bool>();
}

}  // namespace

Result<TimeShift> ParseTimeShift(const std::string& text, const std::string& align_to) {
  TimeShift shift;
  if (text.empty() || text == "none" || text == "0") return shift;
  if (text == "now") {
    shift.mode = TimeShift::Mode::kNow;
    return shift;
  }
  if (text == "align") {
    if (align_to.empty()) {
      return Status::InvalidArgument("-time-shift=align needs -align-to",
                                     "give the time the first sample should land at, e.g. "
                                     "-align-to=2025-01-01T00:00:00Z");
    }
    Result<int64_t> at = ParseTimeArg(align_to, UnixNowMs());
    if (!at.ok()) return at.status().Wrap("bad -align-to");
    shift.mode = TimeShift::Mode::kAlign;
    shift.align_to_ms = *at;
    return shift;
  }
  Result<int64_t> d = ParseDurationMillis(text);
  if (!d.ok()) {
    return Status::InvalidArgument(fmt::format("bad -time-shift={:?}", text),
                                   "use align, now, or a signed duration such as -24h or 7d");
  }
  shift.mode = TimeShift::Mode::kFixed;
  shift.fixed_ms = *d;
  return shift;
}

namespace {

// a - b, clamped to the int64 range: a bundle may hold any int64 timestamp, and the line
// rewriter refuses the lines a clamped shift would carry out of range.
int64_t ClampedDifference(int64_t a, int64_t b) {
  int64_t d = 0;
  if (!__builtin_sub_overflow(a, b, &d)) return d;
  return b < 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

}  // namespace

int64_t ShiftMillis(const TimeShift& shift, int64_t first_ms, int64_t last_ms, int64_t now_ms) {
  switch (shift.mode) {
    case TimeShift::Mode::kNone: return 0;
    case TimeShift::Mode::kFixed: return shift.fixed_ms;
    case TimeShift::Mode::kNow: return first_ms <= last_ms ? ClampedDifference(now_ms, last_ms) : 0;
    case TimeShift::Mode::kAlign:
      return first_ms <= last_ms ? ClampedDifference(shift.align_to_ms, first_ms) : 0;
  }
  return 0;
}

Status ValidateImportOptions(const ImportOptions& o) {
  for (const std::string& label : o.drop_labels) {
    if (label == "__name__" || label == "job" || label == "instance") {
      return Status::InvalidArgument(fmt::format("-drop-labels cannot drop {:?}", label),
                                     "__name__, job and instance identify a series; they always stay");
    }
    if (label.empty()) return Status::InvalidArgument("-drop-labels has an empty label name");
  }
  if (o.concurrency < 1 || o.concurrency > 64) {
    return Status::InvalidArgument("-concurrency must be between 1 and 64");
  }
  if (o.gzip_level < -1 || o.gzip_level > 9) return Status::InvalidArgument("-gzip-level must be between -1 and 9");
  if (o.batch_bytes < 4096) return Status::InvalidArgument("-batch-size must be at least 4096 bytes");
  if (o.max_line_bytes < 1024) return Status::InvalidArgument("-max-line-size must be at least 1024 bytes");
  if (o.max_labels_per_series < 0) return Status::InvalidArgument("max_labels_per_series must not be negative");
  return Status::Ok();
}

Status ImportOptionsFromJson(const nlohmann::json& config, ImportOptions* o) {
  if (!config.is_object()) return Status::InvalidArgument("config must be a JSON object");
  const nlohmann::json conn = config.value("connection", nlohmann::json::object());
  o->url = StringField(conn, "url");
  o->tenant = StringField(conn, "tenant_id");
  const std::string project = StringField(conn, "project_id");
  if (o->tenant.empty() && !project.empty()) {
    return Status::InvalidArgument(fmt::format("connection.project_id {:?} is given without a tenant_id", project),
                                   "a cluster tenant is accountID[:projectID]: fill in the account ID too");
  }
  if (!project.empty()) o->tenant += ":" + project;
  o->read_url = StringField(conn, "read_url");
  o->http.tls_skip_verify = BoolField(conn, "skip_tls_verify", false);
  o->http.tls_ca_file = StringField(conn, "tls_ca_file");
  o->http.tls_cert_file = StringField(conn, "tls_cert_file");
  o->http.tls_key_file = StringField(conn, "tls_key_file");
  if (o->http.tls_cert_file.empty() != o->http.tls_key_file.empty()) {
    return Status::InvalidArgument("a client certificate needs both connection.tls_cert_file and tls_key_file");
  }
  const nlohmann::json auth = conn.value("auth", nlohmann::json::object());
  const std::string type = StringField(auth, "type");
  if (type == "basic") {
    o->http.basic_user = StringField(auth, "username");
    o->http.basic_password = StringField(auth, "password");
  } else if (type == "bearer") {
    o->http.bearer_token = StringField(auth, "token");
  } else if (type == "header") {
    o->http.header_name = StringField(auth, "header_name");
    o->http.header_value = StringField(auth, "header_value");
    if (o->http.header_name.empty()) {
      return Status::InvalidArgument("connection.auth.header_name is empty", "name the header, e.g. Authorization");
    }
  } else if (!type.empty() && type != "none") {
    return Status::InvalidArgument(fmt::format("connection.auth.type {:?} is unknown", type),
                                   "use none, basic, bearer or header");
  }
  Result<TimeShift> shift = ParseTimeShift(StringField(config, "time_shift"), StringField(config, "align_to"));
  if (!shift.ok()) return shift.status().Wrap("bad time_shift");
  o->time_shift = *shift;
  o->drop_labels.clear();
  if (config.contains("drop_labels") && config["drop_labels"].is_array()) {
    for (const auto& l : config["drop_labels"]) {
      if (l.is_string() && !l.get<std::string>().empty()) o->drop_labels.push_back(l.get<std::string>());
    }
  }
  o->skip_outside_retention = BoolField(config, "skip_outside_retention", false);
  o->retention = StringField(config, "retention");
  if (config.contains("max_labels_per_series") && config["max_labels_per_series"].is_number_integer()) {
    o->max_labels_per_series =
        static_cast<int>(std::clamp<int64_t>(config["max_labels_per_series"].get<int64_t>(), -1, 1 << 20));
  }
  o->strict = BoolField(config, "strict", false);
  o->verify = BoolField(config, "verify", true);
  return ValidateImportOptions(*o);
}

}  // namespace vmx::importer
