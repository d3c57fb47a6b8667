// ImportOptions: everything one import run needs, from the command line or the page's config.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "common/status.h"

namespace vmx::importer {

// How timestamps move before the retention trim.
struct TimeShift {
  enum class Mode { kNone, kNow, kAlign, kFixed };
  Mode mode = Mode::kNone;
  int64_t align_to_ms = 0;  // kAlign: where the bundle's first sample lands
  int64_t fixed_ms = 0;     // kFixed: added to every timestamp
};

// Parses "" / "none", "now" (last sample lands at the current time), "align" (first sample
// lands at `align_to`, RFC 3339 or unix seconds) or a signed duration such as "-24h".
Result<TimeShift> ParseTimeShift(const std::string& text, const std::string& align_to);

// The milliseconds `shift` adds for a bundle whose samples span [first_ms, last_ms] (original
// timestamps), at wall-clock time `now_ms`.
int64_t ShiftMillis(const TimeShift& shift, int64_t first_ms, int64_t last_ms, int64_t now_ms);

struct ImportOptions {
  std::string url;          // target, any pasted form
  std::string tenant;       // cluster account ID ("1011" or "1011:5"); "" for a single node
  std::string read_url;     // optional separate URL for verification queries
  HttpClientOptions http;   // auth and TLS
  TimeShift time_shift;
  std::vector<std::string> drop_labels;  // __name__, job and instance are refused
  bool skip_outside_retention = false;
  std::string retention;    // e.g. "31d"; "" asks the target for its -retentionPeriod
  int max_labels_per_series = 0;  // the target's -maxLabelsPerTimeseries; 0 asks the target
  bool strict = false;      // any malformed line fails the import before anything is sent
  bool verify = true;
  int verify_timeout_seconds = 60;
  uint64_t max_decompressed_bytes = 64ULL << 30;
  uint64_t max_decompression_ratio = 200;  // past 1 GiB of metrics; 0: no limit
  size_t max_line_bytes = 32 << 20;
  size_t batch_bytes = 4 << 20;
  int concurrency = 2;
  int max_attempts = 5;
  // Request body compression: 1..9 gzip, 0 plain JSON lines, -1 (auto) gzip level 1 unless the
  // target is on this machine, where compressing only costs CPU on both sides.
  int gzip_level = -1;
  std::string rejects_path;  // where malformed lines are kept; created only when needed
};

// Checks the options that do not need the network; the error names the offending option.
Status ValidateImportOptions(const ImportOptions& options);

// Reads the page's config JSON ({connection:{url, tenant_id, project_id, read_url,
// auth:{type,...}, skip_tls_verify, tls_ca_file, tls_cert_file, tls_key_file}, time_shift,
// align_to, drop_labels, skip_outside_retention, retention, max_labels_per_series, strict,
// verify}) into `options`; unknown fields are ignored. A project_id without a tenant_id is
// refused (kInvalidArgument) rather than dropped.
Status ImportOptionsFromJson(const nlohmann::json& config, ImportOptions* options);

}  // namespace vmx::importer
