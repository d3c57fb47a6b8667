// TargetProbe: what vmimport learns about the target before it writes.
//
// The target's own flags (its /metrics page exposes flag{name="retentionPeriod",value=...})
// give the retention and -maxLabelsPerTimeseries; an empty import proves that writes are
// accepted (route and credentials) without adding data; a query proves verification can read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/http_client.h"
#include "common/status.h"
#include "importer/import_target.h"

namespace vmx::importer {

struct TargetFlags {
  std::optional<int64_t> retention_ms;  // unknown when the target hides its /metrics
  std::string retention_text;           // as the target wrote it ("100y", "3")
  std::optional<int> max_labels_per_series;
  std::string source;                   // the URL the flags came from
};

// Reads the flags from the first of target.metrics_urls that answers; never fails.
TargetFlags ReadTargetFlags(HttpClient& client, const ImportTarget& target);

// Sends an empty import to the write URL: OK when the route exists and the credentials pass.
Status CheckWriteAccess(HttpClient& client, const ImportTarget& target);

// Runs a trivial query on the read base: OK when verification will be able to read.
Status CheckReadAccess(HttpClient& client, const ImportTarget& target);

}  // namespace vmx::importer
