// ImportVerifier: asks the target how many of the imported series and samples it now holds.
//
// Counts are taken with instant queries over the imported time range, grouped by metric name
// (count(last_over_time(...)) and sum(count_over_time(...))), polling until the numbers stop
// growing, because freshly written samples take a moment to become searchable. The same count
// taken before the import (the baseline) makes the comparison exact: what the target holds
// beyond baseline + sent is data sent twice (a batch retried after a timeout it had stored).
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "common/http_client.h"
#include "common/status.h"

namespace vmx::importer {

// Series and samples of some metric names in a time range at the target.
struct SampleCounts {
  uint64_t series = 0;
  uint64_t samples = 0;
};

struct VerificationRequest {
  std::string read_base;                 // .../select/<t>/prometheus or the single-node URL
  std::set<std::string, std::less<>> metric_names;  // as they appear in the bundle
  int64_t min_ts = 0;                    // imported (shifted) range, unix ms, inclusive
  int64_t max_ts = 0;
  uint64_t series_sent = 0;
  uint64_t samples_sent = 0;
  std::optional<SampleCounts> baseline;  // the same count before the import, when taken
  int timeout_seconds = 60;
  std::string flush_url;                 // a single node's /internal/force_flush, or ""
  const std::atomic<bool>* cancel = nullptr;
};

struct VerificationReport {
  uint64_t series_sent = 0;
  uint64_t samples_sent = 0;
  uint64_t series_found = 0;
  uint64_t samples_found = 0;
  std::optional<SampleCounts> baseline;
  uint64_t samples_beyond = 0;  // found - baseline - sent, when positive and the baseline is known
  // "verified" (found = baseline + sent), "incomplete" (fewer), "duplicates" (more: exactly
  // samples_beyond were stored twice), "more_than_sent" (more, but no baseline to tell why),
  // "not_verified" (the target cannot be queried through this URL), "skipped" (nothing sent).
  std::string outcome;
  std::string message;  // one sentence for people

  // False only when samples are missing: an import that verifies with duplicates or cannot be
  // verified is still complete.
  bool ok() const { return outcome != "incomplete"; }
  nlohmann::json ToJson() const;
};

// Counts once, without waiting; kUnavailable (or the target's refusal) when it cannot query.
Result<SampleCounts> CountAtTarget(HttpClient& client, const std::string& read_base,
                                   const std::set<std::string, std::less<>>& metric_names, int64_t min_ts,
                                   int64_t max_ts);

// Queries the target until the counts settle. A target that cannot be queried gives outcome
// "not_verified" (with the reason), not an error; kCanceled once `request.cancel` is set.
Result<VerificationReport> VerifyImport(HttpClient& client, const VerificationRequest& request);

// The "not_verified" report for an import whose counts could not be read.
VerificationReport NotVerified(const VerificationRequest& request, const Status& why);

}  // namespace vmx::importer
