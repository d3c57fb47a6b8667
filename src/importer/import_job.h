// ImportJob and ImportJobs: the page's imports, each with its uploaded bundle in its own
// directory, run on a background thread, cancelable and resumable.
//
// A job is created by an upload (state "uploaded"), runs ("running") and ends "completed",
// "failed" or "canceled". It starts once: a failed or canceled job only resumes, skipping the
// batches the target already acknowledged, and a completed job does nothing more (a second
// click must not send the bundle twice). The bundle is scanned once, by the first preflight or
// the start, and that scan answers every later preflight. The uploaded copy is deleted when the
// job completes; a failed or canceled job keeps it for its resume. Job directories live under
// one temp directory that ImportJobs removes when the process ends. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "importer/import_pipeline.h"
#include "importer/target_probe.h"

namespace vmx::importer {

class ImportJob {
 public:
  ImportJob(std::string id, std::string dir);
  ~ImportJob();
  ImportJob(const ImportJob&) = delete;
  ImportJob& operator=(const ImportJob&) = delete;

  const std::string& id() const { return id_; }
  const std::string& dir() const { return dir_; }
  // Where the uploaded bundle is stored.
  std::string bundle_path() const { return dir_ + "/bundle"; }
  // The bundle's metadata.json as the scan read it ("" before the first scan); it outlives the
  // uploaded copy, which is deleted when the job ends.
  std::string metadata_json() const {
    std::lock_guard lock(scan_ptr_mu_);
    return scan_ ? scan_->metadata_json : std::string();
  }
  // Where malformed lines are kept.
  std::string rejects_path() const { return dir_ + "/rejects.jsonl"; }

  // Records the finished upload.
  void SetUploaded(std::string original_name, uint64_t size);
  // The preflight for `options` and the target's `flags`; scans the bundle on the first call
  // only (concurrent callers wait for that one scan).
  Result<PreflightReport> Preflight(const ImportOptions& options, const TargetFlags& flags);
  // Starts the import with `options` on a background thread; kConflict unless "uploaded".
  Status Start(ImportOptions options);
  // Continues a failed or canceled import with its previous options and decisions.
  Status Resume();
  // Asks a running import to stop.
  Status Cancel();
  // {job_id, state, bundle, progress, report, error, hint, can_start, can_resume}.
  nlohmann::json ToJson() const;
  // True while the background thread runs.
  bool running() const;
  // The options of the last Start() (the overview reads the same target with the same auth).
  ImportOptions options() const;

 private:
  Result<std::shared_ptr<const BundleScan>> Scan(const ImportOptions& options);
  // Moves to "running" and starts the thread; `mu_` held by the caller, state checked.
  void LaunchLocked();

  const std::string id_;
  const std::string dir_;
  mutable std::mutex mu_;
  std::string state_ = "uploading";
  std::string bundle_name_;
  uint64_t bundle_size_ = 0;
  bool bundle_removed_ = false;
  ImportOptions options_;
  std::unique_ptr<ImportPipeline> pipeline_;
  ResumeState resume_;
  ImportReport report_;
  Status error_;
  std::thread thread_;
  std::mutex scan_mu_;      // held during the one scan
  mutable std::mutex scan_ptr_mu_;  // guards scan_ (briefly; taken inside mu_ and inside scan_mu_)
  std::shared_ptr<const BundleScan> scan_;
  std::atomic<bool> closing_{false};
};

class ImportJobs {
 public:
  // Job directories go under a fresh directory inside `temp_root` (empty: the system temp dir).
  explicit ImportJobs(const std::string& temp_root = "");
  ~ImportJobs();

  // Creates a job with an empty directory.
  Result<std::shared_ptr<ImportJob>> Create();
  // The job with this id, or kNotFound.
  Result<std::shared_ptr<ImportJob>> Find(const std::string& id) const;
  // Removes a job and its directory (used when an upload fails).
  void Remove(const std::string& id);

 private:
  std::string root_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<ImportJob>> jobs_;
  uint64_t next_ = 1;
};

}  // namespace vmx::importer
