// ExportJob: one export from VictoriaMetrics into a bundle, run in the background (SPEC.md
// section 5). Workers fetch windows in parallel into the staging area while the job's own thread
// streams completed windows, in time order, into the ZIP, so the bundle grows as data arrives.
// Cancel stops at once and keeps completed windows; Resume fetches only the missing ones, with the
// same Obfuscator (same pseudonyms), and never duplicates rows.
//
// Thread-safe: every public method may be called from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "application/export/batch_planner.h"
#include "application/export/staging_area.h"
#include "application/export/staging_lock.h"
#include "application/export/window_fetcher.h"
#include "common/status.h"
#include "domain/component_versions.h"
#include "domain/export_config.h"
#include "infrastructure/obfuscation/obfuscator.h"
#include "infrastructure/vm/vm_client.h"

namespace vmx {

// What a staging manifest records about the obfuscation key: an HMAC that tells whether a key
// given again is the same, without keeping it ("" without a key).
std::string StagedKeyCheck(const std::string& key, const std::string& job_id);

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
  std::string sha256;             // of the whole ZIP
  TimeRange time_range;
  bool obfuscation_applied = false;
};

struct ExportJobOptions {
  std::string output_dir;         // where the bundle goes (created if missing)
  int parallelism = 3;            // concurrent window fetches
  RetryPolicy retry;
  int compression_level = 1;      // deflate level of the ZIP
};

class ExportJob {
 public:
  ExportJob(std::string id, ExportConfig config, ExportJobOptions options);
  ~ExportJob();  // cancels a running job and waits for its threads
  ExportJob(const ExportJob&) = delete;
  ExportJob& operator=(const ExportJob&) = delete;

  const std::string& id() const { return id_; }

  // Validates the selection, connects, plans the windows and opens the staging area, then starts
  // the background run. Errors here mean nothing was started.
  Status Start();
  // Continues an export that an earlier, gone process left in the staging dir (killed, crashed):
  // `manifest` is that dir's manifest.json, and this job was made with its id and
  // StagedExportConfig(). Completed windows whose pieces are intact are kept; with the same
  // obfuscation key (checked) the pseudonyms match. Errors here mean nothing was started.
  Status StartFromStaging(const nlohmann::json& manifest);
  // Asks a pending or running job to stop; completed windows stay staged for Resume.
  Status Cancel();
  // Restarts a canceled or failed job from its completed windows.
  Status Resume();
  // Blocks until the job is completed, failed or canceled.
  void Wait();
  // Like Wait(), for at most `timeout`; true when the job has stopped.
  bool WaitFor(std::chrono::milliseconds timeout);

  ExportJobState state() const;
  // The result of a completed job.
  std::optional<ExportResult> result() const;
  // The error of a failed job (Ok otherwise).
  Status error() const;
  // {job_id, state, total_batches, completed_batches, progress, metrics_processed, eta,
  //  current_range, error, result{...}, ...} as in SPEC.md section 4, with vmgather's meanings:
  //  eta is an RFC 3339 time (eta_seconds beside it), current_range is {start, end}.
  nlohmann::json StatusJson() const;
  // {job_id, state, total_batches, batch_window_seconds, staging_path, obfuscation_enabled}.
  nlohmann::json StartJson() const;
  // True when another process could continue this job from its staging dir: its pseudonyms are
  // reproducible (obfuscation off, or a key).
  bool ResumableElsewhere() const { return !config_.obfuscation.enabled || !config_.obfuscation.key.empty(); }
  // original -> pseudonym of this job's Obfuscator (the process-wide one for its settings, so it
  // may also hold values seen by previews or jobs with the same settings), in the shape of
  // Obfuscator::Mapping(); nullopt when the job did not obfuscate. For the user only, never
  // written to disk or into a bundle.
  std::optional<nlohmann::json> Mapping() const {
    if (!config_.obfuscation.enabled || obfuscator_ == nullptr) return std::nullopt;
    return obfuscator_->Mapping();
  }

 private:
  struct Window {
    TimeRange range;
    enum class State { kPending, kRunning, kDone } state = State::kPending;
    WindowStats stats;
    std::vector<std::string> jobs;  // job label values written (already rewritten)
  };

  Status Launch(const nlohmann::json* staged);
  Result<std::map<UnixMillis, Window>> RestoreWindows(const nlohmann::json& manifest);
  // Puts every window not done back in the queue (next at the back) and notes the progress the
  // run starts from, for the ETA.
  void QueueUnfinishedLocked();
  // Notes the wall and steady clocks of a (re)start and resets the per-run batch timings.
  void MarkRunStartLocked();
  void Run();
  void WorkerLoop();
  Status Assemble();
  // Adds a completed window's lines to `hash`, checking their length against `stats`.
  // Hashes a staged window's text and, when `guard` is given, scans it for replaced originals.
  Status HashStagedWindow(const TimeRange& range, const WindowStats& stats, std::vector<char>& block,
                          class Sha256Stream& hash, const class LeakGuard* guard);
  // A leak guard over every original replaced so far, or null when nothing is obfuscated.
  std::unique_ptr<class LeakGuard> CurrentLeakGuard() const;
  Status WriteBundleTail(class ZipBundleWriter& zip, const std::string& metrics_sha);
  Status WriteManifestLocked() const;
  void CollectVmVersions();
  // The custom query as metadata.json records it when obfuscation is on.
  std::string RecordedCustomQuery() const;
  bool StoppingLocked() const { return !failure_.ok() || cancel_requested_; }

  const std::string id_;
  ExportConfig config_;
  ExportJobOptions options_;
  std::unique_ptr<VmClient> client_;
  std::unique_ptr<VmClient> rw_fallback_client_;
  std::shared_ptr<Obfuscator> obfuscator_;
  FetchShared shared_;
  WindowGrid grid_;
  int64_t window_ms_ = 0;
  StagingArea staging_;
  StagingLock staging_lock_;
  std::string archive_name_;
  UnixMillis created_ms_ = 0;
  ComponentVersions vm_versions_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  ExportJobState state_ = ExportJobState::kPending;
  std::map<UnixMillis, Window> windows_;  // by start; splits replace one entry by two
  std::vector<UnixMillis> queue_;          // starts of pending windows, next at the back
  int running_ = 0;
  bool cancel_requested_ = false;
  Status failure_;
  std::unordered_set<uint64_t> series_written_;  // hashes of distinct output series (assembler)
  std::optional<ExportResult> result_;
  UnixMillis assembled_until_ = 0;
  std::chrono::steady_clock::time_point run_started_;
  UnixMillis started_at_ms_ = 0;    // wall clock of the last (re)start, for status
  UnixMillis completed_at_ms_ = 0;  // wall clock the job stopped (0 while it runs)
  double last_batch_seconds_ = 0;   // fetch time of the last completed window
  double batch_seconds_total_ = 0;  // of the windows completed since the last (re)start
  uint64_t batches_timed_ = 0;
  double progress_at_run_start_ = 0;
  std::atomic<uint64_t> live_lines_{0};
  std::thread runner_;
};

}  // namespace vmx
