#include "importer/import_job.h"

#include <fmt/format.h>

#include <filesystem>

#include "common/local_server.h"

namespace vmx::importer {

ImportJob::ImportJob(std::string id, std::string dir) : id_(std::move(id)), dir_(std::move(dir)) {}

ImportJob::~ImportJob() {
  closing_.store(true);
  std::thread t;
  {
    std::lock_guard lock(mu_);
    if (pipeline_) pipeline_->Cancel();
    t = std::move(thread_);
  }
  if (t.joinable()) t.join();
}

void ImportJob::SetUploaded(std::string original_name, uint64_t size) {
  std::lock_guard lock(mu_);
  bundle_name_ = std::move(original_name);
  bundle_size_ = size;
  state_ = "uploaded";
}

bool ImportJob::running() const {
  std::lock_guard lock(mu_);
  return state_ == "running";
}

Result<std::shared_ptr<const BundleScan>> ImportJob::Scan(const ImportOptions& options) {
  std::lock_guard scan_lock(scan_mu_);
  {
    std::lock_guard ptr_lock(scan_ptr_mu_);
    if (scan_) return scan_;
  }
  {
    std::lock_guard lock(mu_);
    if (bundle_removed_ || state_ == "uploading") {
      return Status::Conflict(fmt::format("import {} has no bundle to scan ({})", id_, state_),
                              "upload the bundle again");
    }
  }
  Result<std::shared_ptr<const BundleScan>> scan =
      ScanBundle(bundle_path(), {options.max_decompressed_bytes, options.max_line_bytes}, &closing_);
  if (scan.ok()) {
    std::lock_guard ptr_lock(scan_ptr_mu_);
    scan_ = *scan;
  }
  return scan;
}

Result<PreflightReport> ImportJob::Preflight(const ImportOptions& options, const TargetFlags& flags) {
  Result<std::shared_ptr<const BundleScan>> scan = Scan(options);
  if (!scan.ok()) return scan.status();
  return (*scan)->Report(options, flags);
}

Status ImportJob::Start(ImportOptions options) {
  std::lock_guard lock(mu_);
  // One start per job: after it the job only resumes, so that a second click (or a retried
  // request) never sends the bundle again.
  if (state_ != "uploaded") {
    return Status::Conflict(
        fmt::format("import {} is {}; it can start only once", id_, state_),
        state_ == "failed" || state_ == "canceled" ? "resume it: only the batches the target did not acknowledge are sent"
        : state_ == "completed"                    ? "it is done; upload the bundle again to import it once more"
                                                   : "wait for it to end, or cancel it");
  }
  options.rejects_path = rejects_path();
  options_ = std::move(options);
  resume_ = ResumeState{};
  std::filesystem::remove(rejects_path());
  LaunchLocked();
  return Status::Ok();
}

Status ImportJob::Resume() {
  std::lock_guard lock(mu_);
  if (state_ != "failed" && state_ != "canceled") {
    return Status::Conflict(fmt::format("import {} is {}; only a failed or canceled import resumes", id_, state_));
  }
  LaunchLocked();
  return Status::Ok();
}

void ImportJob::LaunchLocked() {
  // The state changes before the lock is released, so a second Start/Resume sees "running".
  // The previous thread has ended its work (the state was not "running"); it only has to be
  // joined, which cannot wait on mu_.
  if (thread_.joinable()) thread_.join();
  pipeline_ = std::make_unique<ImportPipeline>(bundle_path(), options_);
  {
    std::lock_guard ptr_lock(scan_ptr_mu_);
    pipeline_->UseScan(scan_);
  }
  report_ = ImportReport{};
  error_ = Status::Ok();
  state_ = "running";
  ImportPipeline* pipeline = pipeline_.get();
  thread_ = std::thread([this, pipeline] {
    ImportReport report;
    const Status s = pipeline->Run(&resume_, &report);
    std::lock_guard lock(mu_);
    report_ = std::move(report);
    error_ = s;
    state_ = s.ok() ? "completed" : s.code() == StatusCode::kCanceled ? "canceled" : "failed";
    if (s.ok()) {
      // Done: the uploaded copy is not needed any more (a failed job keeps it to resume).
      std::error_code ec;
      std::filesystem::remove(bundle_path(), ec);
      bundle_removed_ = !ec;
    }
  });
}

Status ImportJob::Cancel() {
  std::lock_guard lock(mu_);
  if (state_ != "running" || !pipeline_) {
    return Status::Conflict(fmt::format("import {} is {}, not running", id_, state_));
  }
  pipeline_->Cancel();
  return Status::Ok();
}

ImportOptions ImportJob::options() const {
  std::lock_guard lock(mu_);
  return options_;
}

nlohmann::json ImportJob::ToJson() const {
  std::lock_guard lock(mu_);
  nlohmann::json j = {
      {"job_id", id_},
      {"state", state_},
      {"bundle", {{"name", bundle_name_}, {"size", bundle_size_}, {"removed", bundle_removed_}}},
      {"progress", pipeline_ ? pipeline_->progress().ToJson() : nlohmann::json(nullptr)},
      {"report", state_ == "running" || !pipeline_ ? nlohmann::json(nullptr) : report_.ToJson()},
      {"can_start", state_ == "uploaded"},
      {"can_resume", state_ == "failed" || state_ == "canceled"},
  };
  if (!error_.ok()) {
    j["error"] = error_.message();
    if (!error_.hint().empty()) j["hint"] = error_.hint();
  }
  return j;
}

ImportJobs::ImportJobs(const std::string& temp_root) {
  const std::filesystem::path base =
      temp_root.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(temp_root);
  root_ = (base / fmt::format("vmimport-{}", RandomToken().substr(0, 12))).string();
  std::filesystem::create_directories(root_);
  std::filesystem::permissions(root_, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
}

ImportJobs::~ImportJobs() {
  {
    std::lock_guard lock(mu_);
    jobs_.clear();  // joins every job thread
  }
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

Result<std::shared_ptr<ImportJob>> ImportJobs::Create() {
  std::lock_guard lock(mu_);
  const std::string id = fmt::format("imp-{}-{}", next_++, RandomToken().substr(0, 8));
  const std::string dir = root_ + "/" + id;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status::Internal(fmt::format("cannot create the job directory {}: {}", dir, ec.message()),
                            "check free space and permissions of the temp directory");
  }
  auto job = std::make_shared<ImportJob>(id, dir);
  jobs_[id] = job;
  return job;
}

Result<std::shared_ptr<ImportJob>> ImportJobs::Find(const std::string& id) const {
  std::lock_guard lock(mu_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end()) {
    return Status::NotFound(fmt::format("no import with id {:?}", id), "upload the bundle again");
  }
  return it->second;
}

void ImportJobs::Remove(const std::string& id) {
  std::shared_ptr<ImportJob> job;
  {
    std::lock_guard lock(mu_);
    const auto it = jobs_.find(id);
    if (it == jobs_.end()) return;
    job = it->second;
    jobs_.erase(it);
  }
  const std::string dir = job->dir();
  job.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace vmx::importer
