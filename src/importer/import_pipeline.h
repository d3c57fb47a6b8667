// ImportPipeline: streams one bundle into VictoriaMetrics and verifies the result.
//
// bundle file -> BundleStream (unzip, limits) -> lines -> LineRewriter (time shift, retention
// trim, dropped labels; bad lines set aside, over-long ones too) -> ~4 MiB batches ->
// BatchSender (gzip, parallel POSTs, retries) -> VerifyImport. Memory stays bounded by the batch
// size times the concurrency, whatever the bundle size.
//
// Before the first batch the plan is fixed (time shift, retention cut-off) and, when verifying,
// the target's count for the same metric names and time range is taken: the verification then
// tells exactly how many samples the target holds beyond the bundle.
// Thread-safety: Run() on one thread; progress() and Cancel() from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/http_client.h"
#include "common/status.h"
#include "importer/bundle_preflight.h"
#include "importer/import_options.h"
#include "importer/import_report.h"
#include "importer/import_target.h"

namespace vmx::importer {

class ImportPipeline {
 public:
  ImportPipeline(std::string bundle_path, ImportOptions options);

  // Plans from this scan of the bundle instead of reading it an extra time (the page's job
  // scanned it for its preflight already).
  void UseScan(std::shared_ptr<const BundleScan> scan) { scan_ = std::move(scan); }
  // Called (from a sender thread, serialized) each time `resume` changes: planned, or one
  // more batch acknowledged. The CLI saves its resume journal here.
  void OnResumeChanged(std::function<void(const ResumeState&)> cb) { on_resume_changed_ = std::move(cb); }

  // Imports the bundle; `resume` carries decisions and acknowledged batches across attempts
  // (pass the same object again to resume). The report is filled even when an error returns.
  Status Run(ResumeState* resume, ImportReport* report);

  // Stops the run (also during the scan and the verification); Run returns kCanceled.
  void Cancel();
  const ImportProgress& progress() const { return progress_; }

 private:
  Status Plan(HttpClient& client, const ImportTarget& target, ResumeState* resume);
  Status Verify(HttpClient& client, const ImportTarget& target, const ResumeState& resume,
                const std::set<std::string, std::less<>>& sent_names, ImportReport* report);

  std::string bundle_path_;
  ImportOptions options_;
  std::shared_ptr<const BundleScan> scan_;
  PreflightReport plan_preflight_;  // the plan's look at the bundle against the target's flags
  std::function<void(const ResumeState&)> on_resume_changed_;
  ImportProgress progress_;
  std::atomic<bool> cancel_{false};
  std::mutex sender_mu_;
  class BatchSender* sender_ = nullptr;  // the running run's sender, to cancel its queue
};

}  // namespace vmx::importer
