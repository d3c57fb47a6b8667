// WindowFetcher: exports one time window from VictoriaMetrics into the staging area, rewriting
// every line on the way (chunk -> lines -> SeriesLineRewriter -> deflated piece; never a whole
// window in memory, one staged copy). Compressing here, on every fetch thread, keeps the
// bundle's deflate off the single assembling thread. Transient failures are retried by the job's
// RetryPolicy; when the export route answers "missing" twice in a row for a window, the job moves
// on to the URL without /rw or to query_range and remembers that. One fetcher per worker thread;
// the shared state it points to is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "application/export/export_selection.h"
#include "application/export/retry_policy.h"
#include "application/export/series_line_rewriter.h"
#include "application/export/staging_area.h"
#include "common/status.h"
#include "domain/time_range.h"
#include "infrastructure/vm/vm_client.h"

namespace vmx {

// State shared by all fetchers of one job.
struct FetchShared {
  VmClient* client = nullptr;  // query_range and the first export attempt
  // For managed "/<tenant>/rw/prometheus" URLs: the same base without "/rw", tried for export
  // before falling back to query_range. May be null.
  VmClient* rw_fallback_client = nullptr;
  std::atomic<bool> use_rw_fallback{false};
  ExportSelection selection;
  int64_t query_range_step_s = 30;           // step for query_range (fallback and MetricsQL)
  std::atomic<bool> use_query_range{false};  // set once the export route is found missing
  // Turns true when the run stops (cancel, or another window failed); never null once running.
  const std::atomic<bool>* stop = nullptr;
  RetryPolicy retry;
  int compression_level = 1;  // deflate level of the staged pieces
  // Hears every retry of a window (for the job's status); may be empty.
  std::function<void(const TimeRange&, const RetryNote&)> on_retry;
};

// What one finished window holds.
struct WindowStats {
  uint64_t lines = 0;
  uint64_t samples = 0;
  uint64_t bytes = 0;           // of the rewritten lines
  uint32_t crc32 = 0;           // of the rewritten lines
  uint64_t deflated_bytes = 0;  // of the staged deflate piece
  std::string source;           // "export", "export without /rw" or "query_range"
  double seconds = 0;           // the fetch took, retries included (not journaled)
};

class WindowFetcher {
 public:
  WindowFetcher(FetchShared* shared, std::shared_ptr<Obfuscator> obfuscator, int64_t step_ms);

  // Writes the rewritten lines of window `w` to the staging area's ".part" piece of `w`
  // (truncating it first), retrying transient failures. `live_lines` counts lines as they are
  // written, for progress. A Status for which NeedsSplit() is true asks the caller to halve the
  // window.
  Status Fetch(const TimeRange& w, const StagingArea& staging, WindowStats* stats,
               std::atomic<uint64_t>* live_lines);

  // The rewriter (its jobs() tells which job pseudonyms were written).
  const SeriesLineRewriter& rewriter() const { return rewriter_; }

 private:
  enum class Route { kExport, kRwFallbackExport, kQueryRange };
  Status FetchOnce(const TimeRange& w, const StagingArea& staging, WindowStats* stats,
                   std::atomic<uint64_t>* live_lines, Route* used);
  FetchShared* shared_;
  SeriesLineRewriter rewriter_;
};

}  // namespace vmx
