// Custom-mode discovery (vmgather's /api/validate-query and /api/discover-selector): whether a
// user's selector or MetricsQL query works and what it matches, and which jobs a selector
// reaches over the export's range.
//
// Thread-safe: holds no state between calls.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "domain/time_range.h"
#include "infrastructure/vm/vm_client.h"

namespace vmx {

// True when `query` is a plain series selector (`name`, `name{…}` or `{…}`), which the export
// reads with /api/v1/export; anything else is MetricsQL, evaluated with query_range.
bool IsSeriesSelector(const std::string& query);

struct QueryCheck {
  bool selector = false;                   // IsSeriesSelector(query)
  int64_t result_count = 0;                // series the query returns now
  bool has_job = false;                    // the first result carries a job label
  bool has_instance = false;               // … an instance label
  std::vector<std::string> sample_labels;  // label names of the first result, sorted
};

// Evaluates count(query) and limitk(1, query) at the current time. InvalidArgument when
// VictoriaMetrics rejects the query, with its reason.
Result<QueryCheck> CheckQuery(VmClient& client, const std::string& query);

struct SelectorJob {
  std::string job;
  int64_t instance_count = 0;
  int64_t series = 0;  // distinct series of the job matched in the range
};

// Every job `selector` matches anywhere in `range`, with its instances and series. InvalidArgument
// when `selector` is not a series selector or its series carry no job label; NotFound when
// nothing matches.
Result<std::vector<SelectorJob>> DiscoverSelectorJobs(VmClient& client, const std::string& selector,
                                                      const TimeRange& range);

}  // namespace vmx
