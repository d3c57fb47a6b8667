// libFuzzer target for vmimport's preflight counting (importer::PreflightTally) behind the line
// splitter, aimed at extreme timestamps: nanosecond ones, spans of the whole int64 range and
// the int64 limits themselves. Arbitrary bytes must never crash, overflow (UBSan) or hang it
// (-timeout), and:
//   - the rate changes kept for the retention estimate stay within kMaxBoundaries;
//   - its sample and bad-line counts agree with an independent LineRewriter over the same lines;
//   - the estimate of samples outside the retention never exceeds the samples, for any time
//     shift, retention and clock, including the int64 limits;
//   - the report renders (RFC 3339 or raw milliseconds) for every range.
//
// Input: "<shift mode byte><shift 8 bytes><retention 8 bytes><now 8 bytes><stream>".
//
//   make fuzz FUZZ_SECONDS=60
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "common/line_splitter.h"
#include "importer/line_rewriter.h"
#include "importer/preflight_tally.h"

namespace {

using vmx::importer::PreflightTally;
using vmx::importer::TimeShift;

[[noreturn]] void Fail(const char* what, uint64_t a, uint64_t b) {
  std::fprintf(stderr, "preflight_fuzz: %s (%llu vs %llu)\n", what,
               static_cast<unsigned long long>(a), static_cast<unsigned long long>(b));
  std::abort();
}

int64_t Take64(const uint8_t*& data, size_t& size) {
  uint64_t v = 0;
  const size_t n = size < 8 ? size : 8;
  std::memcpy(&v, data, n);
  data += n;
  size -= n;
  return static_cast<int64_t>(v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  ++data;
  --size;
  const int64_t shift_value = Take64(data, size);
  const int64_t retention_ms = Take64(data, size) & std::numeric_limits<int64_t>::max();
  const int64_t now_ms = Take64(data, size);

  PreflightTally tally;
  vmx::importer::LineRewriter reference(vmx::importer::RewriteRules{});
  uint64_t want_samples = 0;
  uint64_t want_bad = 0;
  std::string scratch;
  vmx::LineSplitter splitter(1 << 12);
  splitter.SetOverlongHandler([&](std::string_view, uint64_t) {
    ++want_bad;
    tally.AddBadLine(splitter.line_number(), vmx::Status::TooLarge("over-long"));
    return vmx::Status::Ok();
  });
  const auto on_line = [&](std::string_view line) {
    vmx::importer::LineFacts f;
    scratch.clear();
    if (reference.Rewrite(line, &f, &scratch).ok()) {
      want_samples += f.samples_in;
    } else {
      ++want_bad;
    }
    tally.AddLine(line, splitter.line_number());
    if (tally.boundaries() > PreflightTally::kMaxBoundaries + 4) {
      Fail("too many rate changes kept", tally.boundaries(), PreflightTally::kMaxBoundaries);
    }
    return vmx::Status::Ok();
  };
  (void)splitter.Feed(std::string_view(reinterpret_cast<const char*>(data), size), on_line);
  (void)splitter.Finish(on_line);

  TimeShift shift;
  switch (mode % 4) {
    case 0:
      break;
    case 1:
      shift.mode = TimeShift::Mode::kNow;
      break;
    case 2:
      shift.mode = TimeShift::Mode::kAlign;
      shift.align_to_ms = shift_value;
      break;
    default:
      shift.mode = TimeShift::Mode::kFixed;
      shift.fixed_ms = shift_value;
      break;
  }
  vmx::importer::PreflightReport rep;
  tally.Finish(shift, retention_ms, static_cast<int>(mode >> 2), now_ms, &rep);
  if (rep.samples != want_samples)
    Fail("samples differ from the line rewriter's", rep.samples, want_samples);
  if (rep.malformed_lines != want_bad) Fail("bad lines differ", rep.malformed_lines, want_bad);
  if (!rep.samples_outside_retention) Fail("no estimate with a retention", 0, 0);
  if (*rep.samples_outside_retention > rep.samples) {
    Fail("more samples outside the retention than samples", *rep.samples_outside_retention,
         rep.samples);
  }
  if (rep.series_over_label_limit > rep.series)
    Fail("more series over the limit than series", 0, 0);
  (void)rep.ToJson().dump();
  return 0;
}
