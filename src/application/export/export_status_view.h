// ExportStatusView: what an export job shows about itself at one moment (state, progress, ETA,
// the window in flight, retries, the route used, the result or the error), as plain data, so
// the REST API and the CLI can render it as they need. ExportStatusJson() is the SPEC.md
// section 4 shape of GET /api/export/status.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"
#include "domain/time_range.h"

namespace vmx {

enum class ExportJobState { kPending, kRunning, kCompleted, kFailed, kCanceled };

// "pending", "running", "completed", "failed", "canceled".
const char* ExportJobStateName(ExportJobState s);

struct ExportResult {
  std::string export_id;
  std::string archive_path;
  std::string archive_name;
  uint64_t archive_size_bytes = 0;
  uint64_t lines_exported = 0;   // JSON lines in metrics.jsonl (vmgather's "metrics")
  uint64_t series_exported = 0;  // distinct series
  uint64_t samples_exported = 0;
  std::string sha256;  // of the whole ZIP
  TimeRange time_range;
  bool obfuscation_applied = false;
};

struct ExportStatusView {
  std::string job_id;
  ExportJobState state = ExportJobState::kPending;
  size_t total_batches = 0;
  size_t completed_batches = 0;
  double progress = 0;                     // 0..1
  uint64_t metrics_processed = 0;          // lines written so far (live)
  uint64_t samples_processed = 0;          // samples of completed windows
  std::optional<int64_t> eta_seconds;      // while running, once there is progress; 0 when done
  UnixMillis started_at_ms = 0;            // when this run (start or resume) began
  UnixMillis completed_at_ms = 0;          // when the job stopped (0 while it runs)
  std::optional<TimeRange> current_range;  // the earliest window in flight
  double last_batch_seconds = 0;           // fetch time of the last completed window
  double average_batch_seconds = 0;        // of the windows completed in this run
  uint64_t retries = 0;                    // retries of this run
  std::string retrying;                    // the latest retry, for people ("" when none)
  std::string source;                      // route(s) the data came from
  int64_t batch_window_seconds = 0;
  std::string staging_path;
  bool obfuscation_enabled = false;
  TimeRange time_range;
  bool resumable = false;              // Resume can help (canceled, or failed by an outage)
  Status error;                        // of a failed job
  std::optional<ExportResult> result;  // of a completed job
};

// The view as GET /api/export/status answers it, with vmgather's meanings: eta is an RFC 3339
// time (eta_seconds beside it), current_range is {start, end} (current_range_text for people),
// result.metrics_exported counts lines.
nlohmann::json ExportStatusJson(const ExportStatusView& v);
// The result object of a completed job.
nlohmann::json ExportResultJson(const ExportResult& r);

}  // namespace vmx
