// libFuzzer target for the export's JSON-lines rewriter (SeriesLineRewriter) behind the line
// splitter, with an obfuscator from the process registry (ObfuscatorFor). Arbitrary bytes must
// never crash it, and for every line it accepts:
//   - the output is one line (nothing, when a step bucket left no sample);
//   - its metric object is valid JSON whose values are all strings;
//   - when the input line is valid JSON, the output is valid JSON too and its values and
//     timestamps are the input's (all of them without a step; with a step, one sample per step
//     bucket, the last one, in order); without obfuscation the labels are the input's.
//
// Input: "<flags byte><chunk byte><bytes of the stream>". Flags pick the obfuscation settings
// and the step; the chunk byte cuts the stream into pieces, as the HTTP body arrives.
//
//   make fuzz FUZZ_SECONDS=60
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "application/export/series_line_rewriter.h"
#include "application/obfuscator_registry.h"
#include "common/line_splitter.h"
#include "fuzz/printable.h"

namespace {

using nlohmann::json;

using vmx::fuzz::Printable;

[[noreturn]] void Fail(const char* what, std::string_view line, std::string_view out) {
  vmx::fuzz::FailOnLine("series_rewriter_fuzz", what, line, out);
}

// Accepts exactly one JSON object whose members are all strings (a metric object), then stops.
class MetricObjectSax : public json::json_sax_t {
 public:
  bool null() override { return Scalar(false); }
  bool boolean(bool) override { return Scalar(false); }
  bool number_integer(number_integer_t) override { return Scalar(false); }
  bool number_unsigned(number_unsigned_t) override { return Scalar(false); }
  bool number_float(number_float_t, const string_t&) override { return Scalar(false); }
  bool string(string_t&) override { return Scalar(true); }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return ++depth_ == 1; }
  bool key(string_t&) override { return true; }
  bool end_object() override {
    done_ = --depth_ == 0;
    return true;
  }
  bool start_array(std::size_t) override { return false; }
  bool end_array() override { return false; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }
  bool done() const { return done_; }

 private:
  bool Scalar(bool is_string) { return is_string && depth_ == 1; }
  int depth_ = 0;
  bool done_ = false;
};

// A line VictoriaMetrics could have written, read strictly; nullopt-like empty json otherwise.
json StrictExportLine(std::string_view line) {
  json j = vmx::fuzz::ExportShapedLine(line);
  if (j.is_null()) return j;
  for (const auto& [name, value] : j["metric"].items()) {
    if (!value.is_string()) return json();
  }
  return j;
}

void CheckLine(std::string_view line, std::string_view out, bool obfuscated, int64_t step_ms) {
  if (out.empty()) {
    if (step_ms <= 0) Fail("an accepted line produced nothing", line, out);
    return;
  }
  if (out.back() != '\n' || out.find('\n') != out.size() - 1) {
    Fail("the output is not exactly one line", line, out);
  }
  constexpr std::string_view kHead = "{\"metric\":";
  if (out.substr(0, kHead.size()) != kHead) Fail("the output does not start with the metric", line, out);
  MetricObjectSax sax;
  const std::string_view rest = out.substr(kHead.size());
  json::sax_parse(rest.begin(), rest.end(), &sax, nlohmann::detail::input_format_t::json,
                  /*strict=*/false);
  if (!sax.done()) Fail("the output's metric is not a JSON object of strings", line, out);

  const json in = StrictExportLine(line);
  if (in.is_null()) return;
  const json got = StrictExportLine(out.substr(0, out.size() - 1));
  if (got.is_null()) Fail("a valid JSON line came out as invalid JSON", line, out);
  if (!obfuscated && got["metric"] != in["metric"]) Fail("labels changed without obfuscation", line, out);
  const json& values = in["values"];
  const json& timestamps = in["timestamps"];
  if (step_ms <= 0) {
    if (got["values"] != values) Fail("values changed", line, out);
    if (got["timestamps"] != timestamps) Fail("timestamps changed", line, out);
    return;
  }
  // With a step: the last sample of every bucket, in input order.
  json want_values = json::array(), want_ts = json::array();
  for (size_t i = 0; i < timestamps.size(); ++i) {
    if (!timestamps[i].is_number_integer()) return;  // the rewriter rejects these; checked below
    const int64_t t = timestamps[i].get<int64_t>();
    auto bucket = [&](int64_t v) { return v / step_ms - (v % step_ms != 0 && v < 0); };
    if (i + 1 < timestamps.size() && timestamps[i + 1].is_number_integer() &&
        bucket(timestamps[i + 1].get<int64_t>()) == bucket(t)) {
      continue;
    }
    want_values.push_back(i < values.size() ? values[i] : json());
    want_ts.push_back(timestamps[i]);
  }
  if (got["values"] != want_values) Fail("values differ from the last sample per step", line, out);
  if (got["timestamps"] != want_ts) Fail("timestamps differ from the last sample per step", line, out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const size_t chunk = 1 + data[1] % 64;
  const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

  vmx::ObfuscationConfig config;
  config.enabled = (flags & 1) != 0;
  config.obfuscate_instance = (flags & 2) != 0;
  config.obfuscate_job = (flags & 4) != 0;
  config.deep_scrub = (flags & 8) != 0;
  if ((flags & 16) != 0) config.custom_labels = {"pod", "values"};
  if ((flags & 32) != 0) config.drop_labels = {"env", "timestamps"};
  // Null obfuscator half of the time; ObfuscatorFor keeps one per setting for the whole run.
  const bool use_obfuscator = (flags & 64) != 0;
  const bool relabels = use_obfuscator && (config.enabled || !config.drop_labels.empty());
  const int64_t step_ms = (flags & 128) != 0 ? 15000 : 0;

  vmx::SeriesLineRewriter rewriter(use_obfuscator ? vmx::ObfuscatorFor(config) : nullptr, step_ms,
                                   /*cache_bytes=*/4096);
  vmx::LineSplitter splitter(1 << 16);
  std::string out;
  auto on_line = [&](std::string_view line) -> vmx::Status {
    out.clear();
    vmx::Status s = rewriter.Rewrite(line, &out);
    if (!s.ok()) {
      if (!out.empty()) Fail("a rejected line left output behind", line, out);
      if (s.message().empty()) Fail("an error without a message", line, out);
      return vmx::Status::Ok();
    }
    CheckLine(line, out, relabels, step_ms);
    return vmx::Status::Ok();
  };
  for (size_t i = 0; i < stream.size(); i += chunk) {
    if (!splitter.Feed(stream.substr(i, chunk), on_line).ok()) return 0;
  }
  (void)splitter.Finish(on_line);
  return 0;
}
