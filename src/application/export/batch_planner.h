// BatchPlanner: cuts an export's time range into half-open windows [start, end) that together
// cover it exactly once, sizes them from the range and the estimated series count (or the user's
// interval), and halves a window that VictoriaMetrics refuses as too large.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "domain/export_config.h"
#include "domain/time_range.h"

namespace vmx {

// Where window boundaries may fall: origin + k * step (step 0: anywhere, at whole milliseconds).
// Boundaries are aligned so that a metric step bucket or a query_range grid never straddles two
// windows.
struct WindowGrid {
  int64_t step_ms = 0;
  UnixMillis origin_ms = 0;
};

// Window length for an automatic plan: about 24M samples per window assuming one sample per 30 s
// per series, clamped to [1 min, 1 day]; at least 4 windows (of 1 min or more) for more than 4M
// samples, at most 2000.
int64_t AutoWindowMillis(const TimeRange& range, uint64_t estimated_series);

// The window length the config asks for: the whole range when batching is off, the custom
// interval, or AutoWindowMillis.
int64_t WindowMillisFor(const ExportConfig& config, uint64_t estimated_series);

// Consecutive windows of about `window_ms` covering `range`; inner boundaries lie on `grid`.
std::vector<TimeRange> PlanWindows(const TimeRange& range, int64_t window_ms,
                                   const WindowGrid& grid);

// Halves `w` at a grid point; nullopt when it cannot be split any further.
std::optional<std::pair<TimeRange, TimeRange>> SplitWindow(const TimeRange& w,
                                                           const WindowGrid& grid);

}  // namespace vmx
