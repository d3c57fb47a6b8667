// libFuzzer target for vmimport's line rewriter (importer::LineRewriter) behind the line
// splitter. Arbitrary bytes must never crash it, and for every line it accepts:
//   - the facts agree with themselves (samples_out <= samples_in, min_ts <= max_ts);
//   - without rules the line goes out byte for byte; with rules it is one line of valid JSON
//     when the input is valid JSON, whose labels are the input's minus the dropped ones and whose
//     samples are the input's, shifted, minus those below the minimum, in order.
//
// Input: "<flags byte><shift: 8 bytes><chunk byte><bytes of the stream>".
//
//   make fuzz FUZZ_SECONDS=60
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "common/line_splitter.h"
#include "importer/line_rewriter.h"
#include "fuzz/printable.h"

namespace {

using nlohmann::json;

using vmx::fuzz::Printable;

[[noreturn]] void Fail(const char* what, std::string_view line, std::string_view out) {
  vmx::fuzz::FailOnLine("import_line_fuzz", what, line, out);
}

json StrictLine(std::string_view line) { return vmx::fuzz::ExportShapedLine(line); }

void CheckLine(const vmx::importer::RewriteRules& rules, bool passthrough, std::string_view line,
               const vmx::importer::LineFacts& facts, std::string_view out) {
  if (facts.samples_out > facts.samples_in) Fail("more samples out than in", line, out);
  if (facts.samples_out > 0 && facts.min_ts > facts.max_ts) Fail("min_ts > max_ts", line, out);
  if (facts.samples_out == 0) {
    if (!out.empty()) Fail("output for a line without samples left", line, out);
    return;
  }
  if (out.empty() || out.back() != '\n' || out.find('\n') != out.size() - 1) {
    Fail("the output is not exactly one line", line, out);
  }
  if (passthrough) {
    if (out.substr(0, out.size() - 1) != line) Fail("a line without rules was changed", line, out);
    return;
  }
  const json in = StrictLine(line);
  if (in.is_null()) return;
  const json got = StrictLine(out.substr(0, out.size() - 1));
  if (got.is_null()) Fail("a valid JSON line came out as invalid JSON", line, out);
  json want_metric = in["metric"];
  for (const std::string& d : rules.drop_labels) want_metric.erase(d);
  if (got["metric"] != want_metric) Fail("labels differ from the input minus dropped", line, out);
  json want_values = json::array(), want_ts = json::array();
  const json& values = in["values"];
  const json& ts = in["timestamps"];
  for (size_t i = 0; i < ts.size() && i < values.size(); ++i) {
    int64_t t = 0;
    if (__builtin_add_overflow(ts[i].get<int64_t>(), rules.shift_ms, &t)) {
      Fail("a timestamp shifted out of the int64 range was accepted", line, out);
    }
    if (t < rules.min_timestamp_ms) continue;
    want_values.push_back(values[i]);
    want_ts.push_back(t);
  }
  if (got["values"] != want_values) Fail("values differ", line, out);
  if (got["timestamps"] != want_ts) Fail("timestamps differ", line, out);
  if (static_cast<size_t>(facts.samples_out) != want_ts.size()) Fail("samples_out is wrong", line, out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 10) return 0;
  const uint8_t flags = data[0];
  int64_t shift = 0;
  std::memcpy(&shift, data + 1, sizeof(shift));
  const size_t chunk = 1 + data[9] % 64;
  const std::string_view stream(reinterpret_cast<const char*>(data + 10), size - 10);

  vmx::importer::RewriteRules rules;
  // Mostly shifts a user could ask for (up to ~50 years either way); sometimes any value.
  if ((flags & 1) != 0) rules.shift_ms = (flags & 8) != 0 ? shift : shift % (1LL << 41);
  if ((flags & 2) != 0) rules.min_timestamp_ms = 1700000000000LL;
  if ((flags & 4) != 0) rules.drop_labels = {"env", "pod"};
  const bool passthrough = rules.shift_ms == 0 && (flags & 6) == 0;

  vmx::importer::LineRewriter rewriter(rules);
  vmx::LineSplitter splitter(1 << 16);
  std::string out;
  auto on_line = [&](std::string_view line) -> vmx::Status {
    out.clear();
    vmx::importer::LineFacts facts;
    vmx::Status s = rewriter.Rewrite(line, &facts, &out);
    if (!s.ok()) {
      if (!out.empty()) Fail("a rejected line left output behind", line, out);
      if (s.message().empty()) Fail("an error without a message", line, out);
      return vmx::Status::Ok();
    }
    CheckLine(rules, passthrough, line, facts, out);
    return vmx::Status::Ok();
  };
  for (size_t i = 0; i < stream.size(); i += chunk) {
    if (!splitter.Feed(stream.substr(i, chunk), on_line).ok()) return 0;
  }
  (void)splitter.Finish(on_line);
  return 0;
}
