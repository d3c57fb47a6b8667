// VictoriaMetrics-style durations ("30s", "5m", "1h30m", "2d", "1w", "500ms") and the time
// arguments the command lines accept ("now", "-24h", RFC 3339, Unix seconds).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace vmx {

// Parses a duration into milliseconds. Units: ms, s, m, h, d, w, y (365d); parts may be chained
// ("1h30m"); a bare number means seconds. Negative values allowed with a leading '-'.
Result<int64_t> ParseDurationMillis(std::string_view text);

// Parses RFC 3339 ("2025-01-02T03:04:05Z", "…+02:00", fractional seconds) into UTC milliseconds;
// the error shows an example of the expected form.
Result<int64_t> ParseRfc3339Millis(std::string_view text);

// Parses a point in time relative to `now_ms`: "now", "now-1h", "-24h" (ago), RFC 3339, or Unix
// seconds (with optional fraction). Returns Unix milliseconds.
Result<int64_t> ParseTimeArg(std::string_view text, int64_t now_ms);

}  // namespace vmx
