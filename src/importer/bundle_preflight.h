// BundlePreflight: what a bundle holds and how it fits the target, before anything is sent.
//
// One pass over the bundle counts lines, malformed lines, series, samples, the time span and
// the labels per series; with the target's flags it tells how many series exceed
// -maxLabelsPerTimeseries (VictoriaMetrics would cut their labels) and about how many samples
// fall outside the retention after the chosen time shift (estimated per hour of data).
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <optional>
#include <string>

#include "common/http_client.h"
#include "common/status.h"
#include "importer/import_options.h"
#include "importer/target_probe.h"

namespace vmx::importer {

struct PreflightReport {
  std::string bundle_format;
  std::string metadata_json;     // the bundle's metadata.json, if any
  uint64_t lines = 0;
  uint64_t malformed_lines = 0;
  std::vector<std::pair<uint64_t, std::string>> first_malformed;  // line number, reason
  uint64_t series = 0;
  uint64_t samples = 0;
  uint64_t metric_names = 0;
  int64_t min_ts = 0;            // original timestamps, unix ms
  int64_t max_ts = 0;
  uint64_t max_labels_per_series = 0;
  std::optional<int> target_max_labels;     // from the target, when readable
  uint64_t series_over_label_limit = 0;
  std::string retention;                    // as the target or user gave it; "" unknown
  int64_t shift_ms = 0;                     // what the chosen time shift would add
  std::optional<uint64_t> samples_outside_retention;  // estimate; unknown without a retention

  nlohmann::json ToJson() const;
};

// Scans the bundle at `path`. `flags` are the target's (pass {} when there is no target yet);
// `options` supplies the time shift, a user-given retention and the size limits.
Result<PreflightReport> RunPreflight(const std::string& path, const ImportOptions& options,
                                     const TargetFlags& flags, const std::atomic<bool>* cancel);

}  // namespace vmx::importer
