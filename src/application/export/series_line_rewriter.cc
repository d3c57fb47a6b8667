#include "application/export/series_line_rewriter.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <vector>

#include "common/number_array.h"

namespace vmx {
namespace {

constexpr size_t kNpos = std::string_view::npos;
constexpr uint64_t kUnknownLength = UINT64_MAX;

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  return i;
}

// `i` is at an opening quote; returns one past the closing quote, or npos.
size_t SkipString(std::string_view s, size_t i) {
  ++i;
  while (true) {
    const void* q = std::memchr(s.data() + i, '"', s.size() - i);
    if (q == nullptr) return kNpos;
    size_t end = static_cast<const char*>(q) - s.data();
    size_t backslashes = 0;
    while (end - backslashes > i && s[end - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return end + 1;
    i = end + 1;
  }
}

// Returns one past the JSON value (or bare word such as NaN) that starts at `i`, or npos. For an
// array of plain numbers, `*elements` is set to its length.
size_t SkipValue(std::string_view s, size_t i, uint64_t* elements = nullptr) {
  if (i >= s.size()) return kNpos;
  const char c = s[i];
  if (c == '"') return SkipString(s, i);
  if (c == '[') {
    // Fast path: sample arrays are plain numbers but for the odd "Infinity" or NaN, which take
    // the loop below.
    const void* close = std::memchr(s.data() + i, ']', s.size() - i);
    if (close == nullptr) return kNpos;
    const size_t end = static_cast<const char*>(close) - s.data();
    const std::string_view inner = s.substr(i + 1, end - i - 1);
    const NumberArrayScan scan = ScanNumberArray(inner);
    if (scan.plain) {
      if (elements != nullptr) *elements = inner.empty() ? 0 : scan.commas + 1;
      return end + 1;
    }
  }
  if (c == '[' || c == '{') {
    int depth = 0;
    while (i < s.size()) {
      const char d = s[i];
      if (d == '"') {
        i = SkipString(s, i);
        if (i == kNpos) return kNpos;
        continue;
      }
      if (d == '[' || d == '{') ++depth;
      if (d == ']' || d == '}') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return kNpos;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ') ++i;
  return i;
}

// The raw spans of one export line.
struct LineParts {
  std::string_view metric, values, timestamps;
  uint64_t timestamp_count = kUnknownLength;  // known when the array was plain numbers
};

Status SplitLine(std::string_view line, LineParts* parts) {
  const auto bad = [&](const char* what) {
    return Status::InvalidArgument(fmt::format("malformed export line ({}): {:.120}", what, line));
  };
  size_t i = SkipSpace(line, 0);
  if (i >= line.size() || line[i] != '{') return bad("not a JSON object");
  i = SkipSpace(line, i + 1);
  while (i < line.size() && line[i] != '}') {
    if (line[i] != '"') return bad("expected a key");
    const size_t key_end = SkipString(line, i);
    if (key_end == kNpos) return bad("unterminated key");
    std::string_view key = line.substr(i + 1, key_end - i - 2);
    std::string unescaped;
    if (key.find('\\') != kNpos) {
      // "valu\u0065s" is "values" to every JSON reader (fuzz finding); VictoriaMetrics never
      // escapes these keys, so decoding them the slow way costs nothing in practice.
      const nlohmann::json k = nlohmann::json::parse(line.substr(i, key_end - i), nullptr, false);
      if (!k.is_string()) return bad("bad key");
      unescaped = k.get<std::string>();
      key = unescaped;
    }
    i = SkipSpace(line, key_end);
    if (i >= line.size() || line[i] != ':') return bad("expected ':'");
    i = SkipSpace(line, i + 1);
    uint64_t elements = kUnknownLength;
    const size_t value_end = SkipValue(line, i, &elements);
    if (value_end == kNpos) return bad("unterminated value");
    const std::string_view value = line.substr(i, value_end - i);
    if (key == "metric") {
      parts->metric = value;
    } else if (key == "values") {
      parts->values = value;
    } else if (key == "timestamps") {
      parts->timestamps = value;
      parts->timestamp_count = elements;
    }
    i = SkipSpace(line, value_end);
    if (i < line.size() && line[i] == ',') i = SkipSpace(line, i + 1);
  }
  if (parts->metric.empty() || parts->metric[0] != '{') return bad("no metric object");
  if (parts->values.empty() || parts->values[0] != '[') return bad("no values array");
  if (parts->timestamps.empty() || parts->timestamps[0] != '[') return bad("no timestamps array");
  return Status::Ok();
}

// Number of elements of a raw array of plain tokens ("[1,2,3]" -> 3).
uint64_t CountElements(std::string_view array) {
  const std::string_view inner = array.substr(1, array.size() - 2);
  if (SkipSpace(inner, 0) == inner.size()) return 0;
  uint64_t commas = 0;
  for (char c : inner) commas += c == ',';
  return commas + 1;
}

// Splits a raw array into its element texts (strings may hold commas; bare words are kept).
bool SplitElements(std::string_view array, std::vector<std::string_view>* out) {
  out->clear();
  size_t i = SkipSpace(array, 1);
  const size_t end = array.size() - 1;
  while (i < end) {
    const size_t start = i;
    if (array[i] == '"') {
      i = SkipString(array, i);
      if (i == kNpos) return false;
    } else {
      while (i < end && array[i] != ',' && array[i] != ' ') ++i;
    }
    out->push_back(array.substr(start, i - start));
    i = SkipSpace(array, i);
    if (i < end && array[i] == ',') i = SkipSpace(array, i + 1);
  }
  return true;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t plain = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default: {
        const char esc[7] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15], 0};
        out->append(esc);
      }
    }
  }
  out->append(s.data() + plain, s.size() - plain);
  out->push_back('"');
}

struct SeriesLineRewriter::Cache {
  struct Entry {
    std::string metric;  // rewritten metric object
  };
  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> map;
  size_t bytes = 0;
  size_t limit = 0;
  simdjson::ondemand::parser parser;
  std::string padded;
  std::vector<Label> labels;
  std::vector<std::string_view> value_items, ts_items;
  std::vector<int64_t> ts;
};

SeriesLineRewriter::SeriesLineRewriter(std::shared_ptr<Obfuscator> obfuscator, int64_t step_ms,
                                       size_t cache_bytes)
    : obfuscator_(std::move(obfuscator)), step_ms_(step_ms), cache_(std::make_unique<Cache>()) {
  cache_->limit = cache_bytes;
}

SeriesLineRewriter::~SeriesLineRewriter() = default;

Status SeriesLineRewriter::RewriteMetric(std::string_view metric, std::string* out) {
  Cache& c = *cache_;
  if (auto it = c.map.find(metric); it != c.map.end()) {
    out->append(it->second.metric);
    return Status::Ok();
  }
  c.padded.assign(metric);
  c.padded.resize(metric.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  const auto bad = [&](const char* what) {
    return Status::InvalidArgument(
        fmt::format("malformed metric object ({}): {:.200}", what, metric));
  };
  if (c.parser.iterate(
                  simdjson::padded_string_view(c.padded.data(), metric.size(), c.padded.size()))
              .get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(obj) != simdjson::SUCCESS) {
    return bad("not a JSON object");
  }
  size_t n = 0;
  for (auto field_result : obj) {
    simdjson::ondemand::field field;
    std::string_view key, value;
    if (std::move(field_result).get(field) != simdjson::SUCCESS ||
        field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return bad("bad label name");
    }
    if (field.value().get_string().get(value) != simdjson::SUCCESS)
      return bad("label value is not a string");
    if (c.labels.size() <= n) c.labels.emplace_back();
    c.labels[n].name.assign(key);
    c.labels[n].value.assign(value);
    ++n;
  }
  c.labels.resize(n);
  if (obfuscator_ != nullptr) obfuscator_->RewriteSeries(c.labels);

  std::string rewritten;
  rewritten.reserve(metric.size() + 16);
  rewritten.push_back('{');
  for (size_t i = 0; i < c.labels.size(); ++i) {
    if (i > 0) rewritten.push_back(',');
    AppendJsonString(c.labels[i].name, &rewritten);
    rewritten.push_back(':');
    AppendJsonString(c.labels[i].value, &rewritten);
    if (c.labels[i].name == "job") jobs_.insert(c.labels[i].value);
  }
  rewritten.push_back('}');
  out->append(rewritten);
  // Once full, the cache keeps what it has: windows return series in the same order, so clearing
  // it would evict every entry just before its next use and nothing would ever hit.
  const size_t cost = metric.size() + rewritten.size() + 64;
  if (c.bytes + cost <= c.limit) {
    c.bytes += cost;
    c.map.emplace(std::string(metric), Cache::Entry{std::move(rewritten)});
  }
  return Status::Ok();
}

Status SeriesLineRewriter::Rewrite(std::string_view line, std::string* out) {
  LineParts parts;
  if (Status s = SplitLine(line, &parts); !s.ok()) return s;
  const size_t rollback = out->size();
  if (step_ms_ <= 0) {
    out->append("{\"metric\":");
    if (Status s = RewriteMetric(parts.metric, out); !s.ok()) {
      out->resize(rollback);
      return s;
    }
    out->append(",\"values\":");
    out->append(parts.values);
    out->append(",\"timestamps\":");
    out->append(parts.timestamps);
    out->append("}\n");
    ++lines_;
    samples_ += parts.timestamp_count != kUnknownLength ? parts.timestamp_count
                                                        : CountElements(parts.timestamps);
    return Status::Ok();
  }

  // Keep the last sample of each step bucket; VictoriaMetrics returns a series' samples sorted.
  Cache& c = *cache_;
  if (!SplitElements(parts.values, &c.value_items) ||
      !SplitElements(parts.timestamps, &c.ts_items) || c.value_items.size() != c.ts_items.size()) {
    return Status::InvalidArgument(fmt::format(
        "malformed export line (values and timestamps differ in length): {:.120}", line));
  }
  c.ts.resize(c.ts_items.size());
  for (size_t i = 0; i < c.ts_items.size(); ++i) {
    const std::string_view t = c.ts_items[i];
    if (std::from_chars(t.data(), t.data() + t.size(), c.ts[i]).ec != std::errc()) {
      return Status::InvalidArgument(
          fmt::format("malformed timestamp {:?} in export line", std::string(t)));
    }
  }
  std::string values = "[", timestamps = "[";
  uint64_t kept = 0;
  for (size_t i = 0; i < c.ts.size(); ++i) {
    if (i + 1 < c.ts.size() && FloorDiv(c.ts[i + 1], step_ms_) == FloorDiv(c.ts[i], step_ms_))
      continue;
    if (kept++ > 0) {
      values.push_back(',');
      timestamps.push_back(',');
    }
    values.append(c.value_items[i]);
    timestamps.append(c.ts_items[i]);
  }
  if (kept == 0) return Status::Ok();
  out->append("{\"metric\":");
  if (Status s = RewriteMetric(parts.metric, out); !s.ok()) {
    out->resize(rollback);
    return s;
  }
  out->append(",\"values\":");
  out->append(values);
  out->append("],\"timestamps\":");
  out->append(timestamps);
  out->append("]}\n");
  ++lines_;
  samples_ += kept;
  return Status::Ok();
}

}  // namespace vmx
