// ImportVerifier: asks the target how many of the imported series and samples it now holds.
//
// Counts are taken with instant queries over the imported time range, grouped by metric name
// (count(last_over_time(...)) and sum(count_over_time(...))), polling until the numbers stop
// growing, because freshly written samples take a moment to become searchable.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <set>
#include <string>

#include "common/http_client.h"
#include "common/status.h"

namespace vmx::importer {

struct VerificationRequest {
  std::string read_base;                 // .../select/<t>/prometheus or the single-node URL
  std::set<std::string> metric_names;    // as they appear in the bundle
  int64_t min_ts = 0;                    // imported (shifted) range, unix ms, inclusive
  int64_t max_ts = 0;
  uint64_t series_sent = 0;
  uint64_t samples_sent = 0;
  int timeout_seconds = 60;
  std::string flush_url;                 // a single node's /internal/force_flush, or ""
};

struct VerificationReport {
  uint64_t series_sent = 0;
  uint64_t samples_sent = 0;
  uint64_t series_found = 0;
  uint64_t samples_found = 0;
  // "verified" (equal), "incomplete" (fewer found), "more_than_sent" (the target already held
  // samples for these names and range), "skipped" (nothing was sent).
  std::string outcome;
  std::string message;  // one sentence for people

  bool ok() const { return outcome != "incomplete"; }
  nlohmann::json ToJson() const;
};

// Queries the target; an error only when the target cannot be queried at all.
Result<VerificationReport> VerifyImport(HttpClient& client, const VerificationRequest& request);

}  // namespace vmx::importer
