#include "application/export/batch_planner.h"

#include <algorithm>

namespace vmx {
namespace {

// Every window costs VictoriaMetrics an index search and a decode of every block it shares with
// its neighbours, and costs us the labels of every series again. Exporting 95k series over 8 h
// (bench/export_bench.sh, INSTANCES=24), VictoriaMetrics spent 31 CPU s on 12 windows, 14 on 4
// and 11 on one, and we spent 13, 9 and 7.5. So windows are large: about 24M samples each. An
// export of more than kOverlapSamples has at least kMinWindows of them: the fetchers (3 by
// default) and the assembler then overlap, and a retry or a resume repeats at most a quarter of
// it. A smaller one is a single window: a few seconds of work, one line per series.
constexpr uint64_t kTargetSamplesPerWindow = 24'000'000;
constexpr uint64_t kOverlapSamples = 4'000'000;
constexpr int64_t kMinWindows = 4;
constexpr int64_t kAssumedScrapeMs = 30'000;
constexpr int64_t kMinWindowMs = 60'000;
constexpr int64_t kMaxWindowMs = 86'400'000;
constexpr int64_t kMaxWindows = 2000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

// The last grid point <= t.
UnixMillis GridFloor(UnixMillis t, const WindowGrid& grid) {
  if (grid.step_ms <= 1) return t;
  return grid.origin_ms + FloorDiv(t - grid.origin_ms, grid.step_ms) * grid.step_ms;
}

}  // namespace

int64_t AutoWindowMillis(const TimeRange& range, uint64_t estimated_series) {
  const uint64_t series = std::max<uint64_t>(estimated_series, 1);
  int64_t window = static_cast<int64_t>(kTargetSamplesPerWindow / series) * kAssumedScrapeMs;
  window = std::clamp(window, kMinWindowMs, kMaxWindowMs);
  const uint64_t samples = series * static_cast<uint64_t>(range.duration_ms() / kAssumedScrapeMs);
  if (samples > kOverlapSamples) {
    window = std::min(
        window, std::max(kMinWindowMs, (range.duration_ms() + kMinWindows - 1) / kMinWindows));
  }
  window = std::max(window, (range.duration_ms() + kMaxWindows - 1) / kMaxWindows);
  return std::min(window, std::max<int64_t>(range.duration_ms(), 1));
}

int64_t WindowMillisFor(const ExportConfig& config, uint64_t estimated_series) {
  if (!config.batching.enabled) return config.time_range.duration_ms();
  if (config.batching.strategy == "custom" && config.batching.custom_interval_seconds > 0) {
    return config.batching.custom_interval_seconds * 1000;
  }
  return AutoWindowMillis(config.time_range, estimated_series);
}

std::vector<TimeRange> PlanWindows(const TimeRange& range, int64_t window_ms,
                                   const WindowGrid& grid) {
  std::vector<TimeRange> windows;
  window_ms = std::max<int64_t>(window_ms, 1);
  if (grid.step_ms > 1) window_ms = std::max(grid.step_ms, window_ms / grid.step_ms * grid.step_ms);
  UnixMillis start = range.start_ms;
  while (start < range.end_ms) {
    UnixMillis end = GridFloor(start + window_ms, grid);
    if (end <= start) end = GridFloor(start, grid) + std::max<int64_t>(grid.step_ms, 1);
    if (end >= range.end_ms || range.end_ms - end < window_ms / 10) end = range.end_ms;
    windows.push_back({start, end});
    start = end;
  }
  return windows;
}

std::optional<std::pair<TimeRange, TimeRange>> SplitWindow(const TimeRange& w,
                                                           const WindowGrid& grid) {
  const UnixMillis mid = GridFloor(w.start_ms + w.duration_ms() / 2, grid);
  if (mid <= w.start_ms || mid >= w.end_ms) return std::nullopt;
  return std::make_pair(TimeRange{w.start_ms, mid}, TimeRange{mid, w.end_ms});
}

}  // namespace vmx
