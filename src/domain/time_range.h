// Time ranges and RFC 3339 conversions.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vmx {

// Milliseconds since the Unix epoch, UTC: VictoriaMetrics' own timestamp unit.
using UnixMillis = int64_t;

// A half-open range [start, end) in Unix milliseconds.
struct TimeRange {
  UnixMillis start_ms = 0;
  UnixMillis end_ms = 0;
  int64_t duration_ms() const { return end_ms - start_ms; }
};

// Parses RFC 3339 ("2025-01-02T03:04:05Z", "…+02:00", fractional seconds allowed) into UTC ms.
Result<UnixMillis> ParseRfc3339(std::string_view text);

// Formats UTC ms as RFC 3339 with a "Z" suffix; milliseconds shown only when non-zero.
std::string FormatRfc3339(UnixMillis ms);

// Current time in Unix milliseconds.
UnixMillis NowMillis();

}  // namespace vmx
