#include "domain/export_config.h"

#include <fmt/format.h>

#include <algorithm>

#include "domain/json_fields.h"

namespace vmx {

using namespace json_fields;

Result<TimeRange> TimeRangeFromJson(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object()) {
    return Status::InvalidArgument(fmt::format("{} must be an object with start and end",
                                               path.substr(0, path.size() - 1)));
  }
  std::string start, end;
  Status s;
  if (!(s = ReadString(j, "start", path, &start)).ok()) return s;
  if (!(s = ReadString(j, "end", path, &end)).ok()) return s;
  if (start.empty()) return Status::InvalidArgument(path + "start is required (RFC 3339)");
  if (end.empty()) return Status::InvalidArgument(path + "end is required (RFC 3339)");
  Result<UnixMillis> a = ParseRfc3339(start);
  if (!a.ok()) return a.status().Wrap(path + "start");
  Result<UnixMillis> b = ParseRfc3339(end);
  if (!b.ok()) return b.status().Wrap(path + "end");
  if (*b <= *a) return Status::InvalidArgument(path + "end must be after " + path + "start");
  return TimeRange{*a, *b};
}

nlohmann::json TimeRangeToJson(const TimeRange& r) {
  return {{"start", FormatRfc3339(r.start_ms)}, {"end", FormatRfc3339(r.end_ms)}};
}

Result<ExportConfig> ExportConfigFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("export config must be a JSON object");
  ExportConfig c;
  Status s;
  auto conn_obj = j.find("connection");
  if (conn_obj == j.end()) {
    return Status::InvalidArgument("connection is required",
                                   "send {\"connection\": {\"url\": \"http://…\"}, …}");
  }
  Result<Connection> conn = ConnectionFromJson(*conn_obj);
  if (!conn.ok()) return conn.status();
  c.connection = std::move(*conn);

  auto tr = j.find("time_range");
  if (tr == j.end()) return Status::InvalidArgument("time_range is required ({\"start\",\"end\"} in RFC 3339)");
  Result<TimeRange> range = TimeRangeFromJson(*tr, "time_range.");
  if (!range.ok()) return range.status();
  c.time_range = *range;

  if (!(s = ReadStringList(j, "components", "", &c.components)).ok()) return s;
  for (std::string& component : c.components) {
    if (component == kSingleNodeAlias) {
      component = kSingleNodeComponent;
      c.single_node_alias = kSingleNodeAlias;
    }
  }
  // A staged manifest (our own public JSON) carries the alias the first run was given.
  std::string alias;
  if (!(s = ReadString(j, "single_node_alias", "", &alias)).ok()) return s;
  if (alias == kSingleNodeAlias) c.single_node_alias = kSingleNodeAlias;
  if (!(s = ReadStringList(j, "jobs", "", &c.jobs)).ok()) return s;
  Result<const nlohmann::json*> jc = ReadObject(j, "job_components", "");
  if (!jc.ok()) return jc.status();
  if (*jc != nullptr) {
    for (const auto& [job, component] : (*jc)->items()) {
      if (!component.is_string()) {
        return Status::InvalidArgument(fmt::format("job_components.{} must be a string", job));
      }
      c.job_components[job] = component.get<std::string>();
    }
  }
  std::string mode = "cluster";
  if (!(s = ReadString(j, "mode", "", &mode)).ok()) return s;
  if (mode == "cluster" || mode.empty()) {
    c.mode = ExportMode::kCluster;
  } else if (mode == "custom") {
    c.mode = ExportMode::kCustom;
  } else {
    return Status::InvalidArgument(fmt::format("mode must be cluster or custom (got {:?})", mode));
  }
  std::string qt = "selector";
  if (!(s = ReadString(j, "query_type", "", &qt)).ok()) return s;
  if (qt == "selector" || qt.empty()) {
    c.query_type = QueryType::kSelector;
  } else if (qt == "metricsql") {
    c.query_type = QueryType::kMetricsQL;
  } else {
    return Status::InvalidArgument(fmt::format("query_type must be selector or metricsql (got {:?})", qt));
  }
  if (!(s = ReadString(j, "query", "", &c.query)).ok()) return s;
  if (c.mode == ExportMode::kCustom && c.query.empty()) {
    return Status::InvalidArgument("query is required in custom mode", "e.g. {job=\"vmagent\"}");
  }

  Result<const nlohmann::json*> ob = ReadObject(j, "obfuscation", "");
  if (!ob.ok()) return ob.status();
  if (*ob != nullptr) {
    const nlohmann::json& o = **ob;
    const std::string p = "obfuscation.";
    ObfuscationConfig& oc = c.obfuscation;
    if (!(s = ReadBool(o, "enabled", p, &oc.enabled)).ok()) return s;
    if (!(s = ReadBool(o, "obfuscate_instance", p, &oc.obfuscate_instance)).ok()) return s;
    if (!(s = ReadBool(o, "obfuscate_job", p, &oc.obfuscate_job)).ok()) return s;
    if (!(s = ReadBool(o, "preserve_structure", p, &oc.preserve_structure)).ok()) return s;
    if (!(s = ReadBool(o, "deep_scrub", p, &oc.deep_scrub)).ok()) return s;
    if (!(s = ReadStringList(o, "custom_labels", p, &oc.custom_labels)).ok()) return s;
    if (!(s = ReadStringList(o, "drop_labels", p, &oc.drop_labels)).ok()) return s;
    if (!(s = ReadStringList(o, "keep_labels", p, &oc.keep_labels)).ok()) return s;
    if (!(s = ReadString(o, "key", p, &oc.key)).ok()) return s;
    if (std::find(oc.drop_labels.begin(), oc.drop_labels.end(), "__name__") != oc.drop_labels.end()) {
      return Status::InvalidArgument("obfuscation.drop_labels must not contain __name__");
    }
  }

  Result<const nlohmann::json*> b = ReadObject(j, "batching", "");
  if (!b.ok()) return b.status();
  if (*b != nullptr) {
    const std::string p = "batching.";
    if (!(s = ReadBool(**b, "enabled", p, &c.batching.enabled)).ok()) return s;
    if (!(s = ReadString(**b, "strategy", p, &c.batching.strategy)).ok()) return s;
    if (!(s = ReadInt(**b, "custom_interval_seconds", p, &c.batching.custom_interval_seconds)).ok()) return s;
    if (c.batching.strategy.empty()) c.batching.strategy = "auto";
    if (c.batching.strategy != "auto" && c.batching.strategy != "custom") {
      return Status::InvalidArgument(fmt::format("batching.strategy must be auto or custom (got {:?})", c.batching.strategy));
    }
    if (c.batching.custom_interval_seconds < 0) {
      return Status::InvalidArgument("batching.custom_interval_seconds must not be negative");
    }
    if (c.batching.strategy == "custom" && c.batching.custom_interval_seconds == 0) {
      return Status::InvalidArgument("batching.custom_interval_seconds is required when batching.strategy is custom");
    }
  }
  if (!(s = ReadString(j, "staging_dir", "", &c.staging_dir)).ok()) return s;
  if (!(s = ReadInt(j, "metric_step_seconds", "", &c.metric_step_seconds)).ok()) return s;
  if (c.metric_step_seconds < 0) return Status::InvalidArgument("metric_step_seconds must not be negative");
  Result<const nlohmann::json*> os = ReadObject(j, "output_settings", "");
  if (!os.ok()) return os.status();
  if (*os != nullptr) {
    if (!(s = ReadString(**os, "archive_name", "output_settings.", &c.archive_name)).ok()) return s;
    // A plain file name: no path, no NUL (it would cut the name short), no quote (it ends up in a
    // Content-Disposition header), nothing a shell or a ZIP tool would read differently.
    const bool plain = std::all_of(c.archive_name.begin(), c.archive_name.end(), [](char ch) {
      return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             ch == '.' || ch == '_' || ch == '-';
    });
    if (!plain || c.archive_name == "." || c.archive_name == "..") {
      return Status::InvalidArgument(
          fmt::format(
              "output_settings.archive_name {:?} may hold only letters, digits, '.', '_' and '-'",
              c.archive_name),
          "give a plain file name such as support_bundle.zip");
    }
  }
  return c;
}

nlohmann::json ExportConfigToPublicJson(const ExportConfig& c) {
  return {{"connection", ConnectionToPublicJson(c.connection)},
          {"time_range", TimeRangeToJson(c.time_range)},
          {"components", c.components},
          {"single_node_alias", c.single_node_alias},
          {"jobs", c.jobs},
          {"job_components", c.job_components},
          {"mode", c.mode == ExportMode::kCluster ? "cluster" : "custom"},
          {"query_type", c.query_type == QueryType::kSelector ? "selector" : "metricsql"},
          {"query", c.query},
          {"obfuscation",
           {{"enabled", c.obfuscation.enabled},
            {"obfuscate_instance", c.obfuscation.obfuscate_instance},
            {"obfuscate_job", c.obfuscation.obfuscate_job},
            {"preserve_structure", c.obfuscation.preserve_structure},
            {"deep_scrub", c.obfuscation.deep_scrub},
            {"custom_labels", c.obfuscation.custom_labels},
            {"drop_labels", c.obfuscation.drop_labels},
            {"keep_labels", c.obfuscation.keep_labels},
            {"keyed", !c.obfuscation.key.empty()}}},
          {"batching",
           {{"enabled", c.batching.enabled},
            {"strategy", c.batching.strategy},
            {"custom_interval_seconds", c.batching.custom_interval_seconds}}},
          {"staging_dir", c.staging_dir},
          {"metric_step_seconds", c.metric_step_seconds},
          {"output_settings", {{"archive_name", c.archive_name}}}};
}

}  // namespace vmx
