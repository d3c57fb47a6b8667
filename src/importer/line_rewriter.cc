#include "importer/line_rewriter.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

namespace vmx::importer {
namespace {

namespace od = simdjson::ondemand;

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// The bare words VictoriaMetrics' JSON reader takes as numbers (checked against
// victoria-metrics 1.x: "Infinity" bare, and any string, null or boolean, are refused with
// "cannot unmarshal ... skipping it" while the request still answers 204).
bool IsBareSpecialNumber(std::string_view t) { return t == "NaN" || t == "Inf" || t == "+Inf" || t == "-Inf"; }

// True when `t` is a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view t) {
  size_t i = 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > start;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i < t.size() && t[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

const char* JsonTypeName(simdjson::ondemand::json_type type) {
  switch (type) {
    case simdjson::ondemand::json_type::array: return "an array";
    case simdjson::ondemand::json_type::object: return "an object";
    case simdjson::ondemand::json_type::string: return "a string";
    case simdjson::ondemand::json_type::boolean: return "a boolean";
    case simdjson::ondemand::json_type::null: return "null";
    default: return "not a number";
  }
}

void HashBytes(uint64_t* h, std::string_view s) {
  for (const char c : s) {
    *h ^= static_cast<unsigned char>(c);
    *h *= 1099511628211ULL;
  }
}

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

// Writes `key` as a JSON string (label names are plain identifiers; escape just in case).
void AppendJsonKey(std::string* out, std::string_view key) {
  out->push_back('"');
  for (const char c : key) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out->append(fmt::format("\\u{:04x}", static_cast<unsigned char>(c)));
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

// The text of a JSON string token: the metric name queries must match is `a\b`, not the
// token's `a\\b` (rare: only a name with an escape pays for the full parse).
void AssignUnescaped(std::string_view token, std::string* out) {
  const std::string_view inner = token.substr(1, token.size() - 2);
  if (inner.find('\\') == std::string_view::npos) {
    out->assign(inner);
    return;
  }
  const nlohmann::json j = nlohmann::json::parse(token, nullptr, false);
  out->assign(j.is_string() ? j.get<std::string>() : std::string(inner));
}

Status Malformed(std::string_view what) {
  return Status::InvalidArgument(std::string(what));
}

Status Malformed(std::string_view what, simdjson::error_code e) {
  return Status::InvalidArgument(fmt::format("{}: {}", what, simdjson::error_message(e)));
}

}  // namespace

LineRewriter::LineRewriter(RewriteRules rules)
    : rules_(std::move(rules)),
      passthrough_(rules_.shift_ms == 0 && rules_.min_timestamp_ms == std::numeric_limits<int64_t>::min() &&
                   rules_.drop_labels.empty()) {}

// The one value check of preflight, strict pre-scan and import: what VictoriaMetrics would skip
// with a log line (and a 204) is a bad line here, never a counted sample.
Status LineRewriter::CheckValue(simdjson::ondemand::value& elem, size_t position, std::string_view* token) {
  *token = TrimRight(elem.raw_json_token());
  od::json_type type;
  if (elem.type().get(type) == simdjson::SUCCESS && type != od::json_type::number) {
    return Malformed(fmt::format("value {} is {}, not a number", position, JsonTypeName(type)));
  }
  if (IsJsonNumber(*token) || IsBareSpecialNumber(*token)) return Status::Ok();
  return Malformed(fmt::format("value {} ({}) is not a number", position,
                               std::string(token->substr(0, 32))));
}

bool LineRewriter::Drops(std::string_view label) const {
  return std::find(rules_.drop_labels.begin(), rules_.drop_labels.end(), label) != rules_.drop_labels.end();
}

Status LineRewriter::Rewrite(std::string_view line, LineFacts* facts, std::string* out) {
  *facts = LineFacts{};
  padded_.assign(line);
  padded_.resize(line.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  if (auto e = parser_.iterate(simdjson::padded_string_view(padded_.data(), line.size(), padded_.size())).get(doc)) {
    return Malformed("not valid JSON", e);
  }
  od::object top;
  if (auto e = doc.get_object().get(top)) return Malformed("not a JSON object", e);

  bool have_metric = false;
  bool have_values = false;
  bool have_timestamps = false;
  size_t value_count = 0;
  values_.clear();
  timestamps_.clear();
  metric_out_.clear();
  name_.clear();
  uint64_t hash = 14695981039346656037ULL;

  for (auto field_result : top) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) return Malformed("not valid JSON", e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return Malformed("not valid JSON", e);
    // JSON readers disagree on a repeated key (VictoriaMetrics takes the first, others the last,
    // a naive reader both): such a line is ambiguous, so it is set aside (fuzz finding).
    if ((key == "metric" && have_metric) || (key == "values" && have_values) ||
        (key == "timestamps" && have_timestamps)) {
      return Malformed(fmt::format("\"{}\" appears twice", std::string(key)));
    }
    if (key == "metric") {
      od::object metric;
      if (auto e = field.value().get_object().get(metric)) return Malformed("\"metric\" is not an object", e);
      have_metric = true;
      for (auto label_result : metric) {
        od::field label;
        if (auto e = std::move(label_result).get(label)) return Malformed("\"metric\" is not valid JSON", e);
        std::string_view name;
        if (auto e = label.unescaped_key().get(name)) return Malformed("\"metric\" has a bad label name", e);
        od::value v = label.value();
        std::string_view token = TrimRight(v.raw_json_token());
        if (token.size() < 2 || token.front() != '"' || token.back() != '"') {
          return Malformed(fmt::format("label {:?} is not a string", std::string(name)));
        }
        ++facts->labels;
        if (name == "__name__") AssignUnescaped(token, &name_);
        if (Drops(name)) continue;
        HashBytes(&hash, name);
        HashBytes(&hash, "\xff");
        HashBytes(&hash, token);
        HashBytes(&hash, "\xfe");
        if (!passthrough_) {
          if (!metric_out_.empty()) metric_out_.push_back(',');
          AppendJsonKey(&metric_out_, name);
          metric_out_.push_back(':');
          metric_out_.append(token);
        }
      }
    } else if (key == "values") {
      od::array values;
      if (auto e = field.value().get_array().get(values)) return Malformed("\"values\" is not an array", e);
      have_values = true;
      for (auto elem_result : values) {
        od::value elem;
        if (auto e = std::move(elem_result).get(elem)) return Malformed("\"values\" is not valid JSON", e);
        std::string_view token;
        if (Status s = CheckValue(elem, value_count + 1, &token); !s.ok()) return s;
        if (!passthrough_) values_.push_back(token);
        ++value_count;
      }
    } else if (key == "timestamps") {
      od::array ts;
      if (auto e = field.value().get_array().get(ts)) return Malformed("\"timestamps\" is not an array", e);
      have_timestamps = true;
      for (auto elem_result : ts) {
        int64_t t = 0;
        if (auto e = elem_result.get_int64().get(t)) {
          return Malformed(fmt::format("timestamp {} is not an integer", timestamps_.size() + 1), e);
        }
        timestamps_.push_back(t);
      }
    }
  }
  if (!have_metric) return Malformed("no \"metric\" object");
  if (!have_values) return Malformed("no \"values\" array");
  if (!have_timestamps) return Malformed("no \"timestamps\" array");
  if (value_count != timestamps_.size()) {
    return Malformed(fmt::format("\"values\" has {} elements but \"timestamps\" has {}", value_count,
                                 timestamps_.size()));
  }
  if (facts->labels == 0) return Malformed("\"metric\" has no labels");
  // A timestamp the shift would carry past the int64 range cannot be sent (fuzz finding: the
  // addition below overflowed); the later loops rely on this check.
  for (size_t i = 0; rules_.shift_ms != 0 && i < timestamps_.size(); ++i) {
    int64_t shifted = 0;
    if (__builtin_add_overflow(timestamps_[i], rules_.shift_ms, &shifted)) {
      return Malformed(fmt::format("timestamp {} ({}) shifted by {} ms is out of range", i + 1,
                                   timestamps_[i], rules_.shift_ms));
    }
  }

  facts->series_hash = hash;
  facts->metric_name = name_;
  facts->samples_in = timestamps_.size();
  if (!timestamps_.empty()) {
    facts->first_original_ts = timestamps_.front();
    facts->last_original_ts = timestamps_.back();
  }
  int64_t lo = std::numeric_limits<int64_t>::max();
  int64_t hi = std::numeric_limits<int64_t>::min();

  if (passthrough_) {
    for (const int64_t t : timestamps_) {
      lo = std::min(lo, t);
      hi = std::max(hi, t);
    }
    facts->samples_out = timestamps_.size();
    if (facts->samples_out > 0) {
      out->append(line);
      out->push_back('\n');
    }
  } else {
    const size_t mark = out->size();
    out->append("{\"metric\":{");
    out->append(metric_out_);
    out->append("},\"values\":[");
    size_t kept = 0;
    for (size_t i = 0; i < timestamps_.size(); ++i) {
      if (timestamps_[i] + rules_.shift_ms < rules_.min_timestamp_ms) continue;
      if (kept++ > 0) out->push_back(',');
      out->append(values_[i]);
    }
    out->append("],\"timestamps\":[");
    kept = 0;
    for (const int64_t t0 : timestamps_) {
      const int64_t t = t0 + rules_.shift_ms;
      if (t < rules_.min_timestamp_ms) continue;
      if (kept++ > 0) out->push_back(',');
      AppendInt(out, t);
      lo = std::min(lo, t);
      hi = std::max(hi, t);
    }
    out->append("]}\n");
    facts->samples_out = kept;
    if (kept == 0) out->resize(mark);
  }
  if (facts->samples_out > 0) {
    facts->min_ts = lo;
    facts->max_ts = hi;
  }
  return Status::Ok();
}

}  // namespace vmx::importer
