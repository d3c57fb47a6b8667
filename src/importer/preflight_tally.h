// PreflightTally: the counting behind a preflight, fed one line at a time, in bounded memory.
//
// Every line goes through the same LineRewriter check as the strict pre-scan and the import, so
// the three agree on which lines are bad. Memory grows with the series and metric names only:
// the samples-over-time estimate for the retention keeps at most kMaxBoundaries rate changes
// (coarser buckets beyond that), so nanosecond or int64-limit timestamps cost no more than any.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "importer/import_options.h"
#include "importer/line_rewriter.h"

namespace vmx::importer {

struct PreflightReport {
  std::string bundle_format;
  std::string metadata_json;  // the bundle's metadata.json, if any
  uint64_t lines = 0;
  uint64_t malformed_lines = 0;
  std::vector<std::pair<uint64_t, std::string>> first_malformed;  // physical line number, reason
  uint64_t series = 0;
  uint64_t samples = 0;
  uint64_t metric_names = 0;
  int64_t min_ts = 0;  // original timestamps, unix ms
  int64_t max_ts = 0;
  uint64_t max_labels_per_series = 0;
  std::optional<int> target_max_labels;  // from the target or the user; unknown otherwise
  uint64_t series_over_label_limit = 0;
  std::string retention;                              // as the target or user gave it; "" unknown
  int64_t shift_ms = 0;                               // what the chosen time shift would add
  int64_t now_ms = 0;                                 // the wall clock the shift and estimate used
  std::optional<uint64_t> samples_outside_retention;  // estimate; unknown without a retention

  // The range after the shift (saturated at the int64 limits).
  int64_t shifted_min_ts() const;
  int64_t shifted_max_ts() const;
  nlohmann::json ToJson() const;
};

class PreflightTally {
 public:
  // Rate changes kept for the retention estimate before the buckets get coarser.
  static constexpr size_t kMaxBoundaries = 1 << 15;

  PreflightTally();

  // Checks one line (its physical number) and counts it.
  void AddLine(std::string_view line, uint64_t line_number);
  // Counts a line that could not be checked (longer than the line limit).
  void AddBadLine(uint64_t line_number, const Status& why);
  // Fills the counts of `report` (lines are the caller's) for a time shift, a retention (enables
  // the estimate) and a label limit (counts the series over it), at wall-clock `now_ms`.
  void Finish(const TimeShift& shift, std::optional<int64_t> retention_ms,
              std::optional<int> label_limit, int64_t now_ms, PreflightReport* report) const;
  // The metric names seen, for baseline and verification queries.
  const std::set<std::string, std::less<>>& metric_names() const { return names_; }
  // Rate changes currently kept (for tests of the memory bound).
  size_t boundaries() const { return rate_changes_.size(); }

 private:
  void Spread(int64_t first_ms, int64_t last_ms, uint64_t samples);
  void Coarsen();
  uint64_t SamplesInBucketsEndingBy(__int128 end_ms) const;

  LineRewriter checker_;
  std::string scratch_;
  uint64_t malformed_ = 0;
  std::vector<std::pair<uint64_t, std::string>> first_malformed_;
  std::unordered_map<uint64_t, uint32_t> series_;  // hash -> labels
  std::set<std::string, std::less<>> names_;
  uint64_t samples_ = 0;
  uint64_t max_labels_ = 0;
  int64_t min_ts_;
  int64_t max_ts_;
  // Samples per bucket as integer rate changes: bucket -> change from that bucket on.
  int64_t bucket_ms_;
  std::map<int64_t, int64_t> rate_changes_;
};

}  // namespace vmx::importer
