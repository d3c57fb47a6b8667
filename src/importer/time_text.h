// vmimport's time texts: VictoriaMetrics retention periods, and instants/durations for people.
// (Generic durations and instants are parsed by common/duration.h.)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vmx::importer {

// Parses a -retentionPeriod value the way VictoriaMetrics does: a bare number counts months
// (31 days each), otherwise a duration with h, d, w or y.
Result<int64_t> ParseRetentionMs(std::string_view text);

// The wall clock as unix milliseconds.
int64_t UnixNowMs();

// Formats unix milliseconds as RFC 3339 in UTC with millisecond precision.
std::string FormatInstantMs(int64_t ms);

// Formats a duration in milliseconds as a short human string ("3d4h", "15m", "-2h").
std::string FormatDurationMs(int64_t ms);

}  // namespace vmx::importer
