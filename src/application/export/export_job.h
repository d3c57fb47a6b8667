// ExportJob: one export from VictoriaMetrics into a bundle, run in the background (SPEC.md
// section 5). It connects, plans the windows and then runs three parts, each readable alone:
// the WindowScheduler hands windows to worker threads (WindowFetcher, with retries and splits),
// the StagingJournal records every completed window, and the BundleAssembler streams completed
// windows, in time order, into the ZIP. ExportStatusView is what it shows about itself.
// Cancel stops in-flight calls within about a second and keeps completed windows; Resume fetches
// only the missing ones, with the same Obfuscator (same pseudonyms), and never duplicates rows.
//
// Thread-safe: every public method may be called from any thread; Start, Cancel and Resume are
// serialised, so a second Resume of a running job answers Conflict.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "application/export/batch_planner.h"
#include "application/export/bundle_assembler.h"
#include "application/export/export_status_view.h"
#include "application/export/retry_policy.h"
#include "application/export/staging_area.h"
#include "application/export/staging_journal.h"
#include "application/export/staging_lock.h"
#include "application/export/window_fetcher.h"
#include "application/export/window_scheduler.h"
#include "common/http_client.h"
#include "common/status.h"
#include "domain/component_versions.h"
#include "domain/export_config.h"
#include "infrastructure/obfuscation/obfuscator.h"
#include "infrastructure/vm/vm_client.h"

namespace vmx {

// What a staging manifest records about the obfuscation key: an HMAC that tells whether a key
// given again is the same, without keeping it ("" without a key).
std::string StagedKeyCheck(const std::string& key, const std::string& job_id);

struct ExportJobOptions {
  std::string output_dir;  // where the bundle goes (created if missing)
  int parallelism = 3;     // concurrent window fetches
  RetryPolicy retry;
  int compression_level = 1;  // deflate level of the ZIP
  // Connect and stall timeouts of every VictoriaMetrics call (-vm.connectTimeout,
  // -vm.stallTimeout).
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds stall_timeout{120'000};
  // -export.maxWindows: a plan with more windows is refused (each costs a request and a file).
  size_t max_windows = 20'000;
  // Windows fetched but not yet in the bundle, at most (0: 4 per fetcher, at least 8).
  size_t max_windows_ahead = 0;
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
  // `manifest` is StagingJournal::Load() of that dir, and this job was made with its id and
  // StagedExportConfig(). Completed windows whose pieces are intact are kept; with the same
  // obfuscation key (checked) the pseudonyms match. Errors here mean nothing was started.
  Status StartFromStaging(const nlohmann::json& manifest);
  // Asks a pending or running job to stop; completed windows stay staged for Resume.
  Status Cancel();
  // Restarts a canceled or failed job from its completed windows; Conflict in any other state.
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
  // What the job shows about itself now.
  ExportStatusView StatusView() const;
  // ExportStatusJson(StatusView()).
  nlohmann::json StatusJson() const;
  // {job_id, state, total_batches, batch_window_seconds, staging_path, obfuscation_enabled}.
  nlohmann::json StartJson() const;
  // The staging directory of this job ("" before Start).
  std::string staging_dir() const;
  // True when another process could continue this job from its staging dir: its pseudonyms are
  // reproducible (obfuscation off, or a key).
  bool ResumableElsewhere() const {
    return !config_.obfuscation.enabled || !config_.obfuscation.key.empty();
  }
  // original -> pseudonym of this job's Obfuscator (the process-wide one for its settings, so it
  // may also hold values seen by previews or jobs with the same settings), in the shape of
  // Obfuscator::Mapping(); nullopt when the job did not obfuscate. For the user only, never
  // written to disk or into a bundle.
  std::optional<nlohmann::json> Mapping() const {
    if (!config_.obfuscation.enabled || obfuscator_ == nullptr) return std::nullopt;
    return obfuscator_->Mapping();
  }

 private:
  Status Launch(const nlohmann::json* staged);
  Result<std::map<UnixMillis, ScheduledWindow>> RestoreWindows(const nlohmann::json& manifest);
  // (Re)creates the VictoriaMetrics clients; they are dropped when a run ends.
  void Connect();
  void ReleaseConnections();
  // Starts the background run; mu_ held.
  void BeginRunLocked();
  void Run();
  void WorkerLoop();
  Status Assemble();
  BundleMetadata Metadata() const;
  nlohmann::json ManifestHeader() const;
  // A leak guard over every original replaced so far, or null when nothing is obfuscated.
  std::unique_ptr<class LeakGuard> CurrentLeakGuard() const;
  void CollectVmVersions();
  // The custom query as metadata.json records it when obfuscation is on.
  std::string RecordedCustomQuery() const;
  HttpClientOptions Transport() const;

  const std::string id_;
  ExportConfig config_;
  ExportJobOptions options_;
  std::unique_ptr<VmClient> client_;
  std::unique_ptr<VmClient> rw_fallback_client_;
  std::shared_ptr<Obfuscator> obfuscator_;
  FetchShared shared_;
  WindowScheduler scheduler_;
  WindowGrid grid_;
  int64_t window_ms_ = 0;
  // What sized the windows: the series count and where it came from ("index": the day's index
  // statistics, "count": count() over the samples, "none": no estimate, a MetricsQL query).
  nlohmann::json series_estimate_ = {{"series", nullptr}, {"source", "none"}};
  StagingArea staging_;
  StagingLock staging_lock_;
  StagingJournal journal_;
  std::mutex journal_mu_;
  std::string archive_name_;
  std::string originals_check_;  // StagedOriginalsCheck() of the config as given
  UnixMillis created_ms_ = 0;
  ComponentVersions vm_versions_;
  std::atomic<uint64_t> live_lines_{0};

  std::mutex control_mu_;  // serialises Start, Resume and the runner's lifetime
  mutable std::mutex mu_;
  std::condition_variable cv_;
  ExportJobState state_ = ExportJobState::kPending;
  bool cancel_requested_ = false;
  Status failure_;
  std::optional<ExportResult> result_;
  std::chrono::steady_clock::time_point run_started_;
  UnixMillis run_started_ms_ = 0;
  UnixMillis completed_at_ms_ = 0;  // wall clock the job stopped (0 while it runs)
  std::thread runner_;
};

}  // namespace vmx
