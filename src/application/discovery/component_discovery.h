// ComponentDiscovery: which VictoriaMetrics components stored their own metrics in the chosen
// range, with their jobs, instances, series counts and an estimate of the export's size
// (SPEC.md section 4, /api/discover). Looks at the WHOLE range, not one instant, and works when
// vm_app_version has an empty `version` label (Debian's build) by falling back to job names and
// metric-name prefixes.
//
// Thread-compatible: one call at a time per VmClient is not required (VmClient is thread-safe).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "application/discovery/component_evidence.h"
#include "common/status.h"
#include "domain/component_versions.h"
#include "domain/time_range.h"
#include "infrastructure/vm/vm_client.h"

namespace vmx {

struct DiscoveredComponent {
  std::string component;          // "vmstorage", "vmsingle", …
  std::vector<std::string> jobs;  // sorted
  std::set<std::string> instances;
  std::map<std::string, int64_t> job_series;              // job -> series in the range
  std::set<std::string> versions;                         // "v1.79.5"; empty when no build says
  ComponentEvidence evidence = ComponentEvidence::kNone;  // the weakest evidence among its jobs
  int64_t estimated_samples = 0;
};

struct DiscoveryReport {
  TimeRange range;
  std::vector<DiscoveredComponent> components;  // in a fixed, familiar order
  std::vector<std::string> other_jobs;          // jobs without VictoriaMetrics evidence
  ComponentVersions versions_seen;              // every version per component, with instances
  std::string count_method;                     // "full_range", "sampled" or "none"
  int64_t estimated_samples = 0;
  int64_t estimated_bundle_bytes = 0;  // zipped JSON lines
  int64_t estimated_uncompressed_bytes = 0;
  std::vector<std::string> notes;  // what fell back and why

  // The /api/discover reply: {"components":[{"component","jobs","instance_count",
  // "metrics_count_estimate","job_metrics","version","versions_seen",…}], "estimate":{…}, …}.
  nlohmann::json ToJson() const;
};

struct DiscoveryOptions {
  bool count_series = true;               // false: components and versions only (for /api/validate)
  size_t max_jobs_for_metric_names = 64;  // per-job metric-name lookups when evidence is thin
};

// Discovers the components in `range`. Errors only when VictoriaMetrics cannot be queried at all.
Result<DiscoveryReport> DiscoverComponents(VmClient& client, const TimeRange& range,
                                           const DiscoveryOptions& options = {});

}  // namespace vmx
