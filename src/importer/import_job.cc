#include "importer/import_job.h"

#include <fmt/format.h>

#include <filesystem>

#include "common/local_server.h"

namespace vmx::importer {

ImportJob::ImportJob(std::string id, std::string dir) : id_(std::move(id)), dir_(std::move(dir)) {}

ImportJob::~ImportJob() {
  {
    std::lock_guard lock(mu_);
    if (pipeline_) pipeline_->Cancel();
  }
  if (thread_.joinable()) thread_.join();
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

Status ImportJob::Start(ImportOptions options) {
  {
    std::lock_guard lock(mu_);
    if (state_ == "running" || state_ == "uploading") {
      return Status::Conflict(fmt::format("import {} is {}", id_, state_), "wait for it to end, or cancel it");
    }
    options.rejects_path = rejects_path();
    options_ = std::move(options);
    resume_ = ResumeState{};
  }
  return Launch(true);
}

Status ImportJob::Resume() {
  {
    std::lock_guard lock(mu_);
    if (state_ != "failed" && state_ != "canceled") {
      return Status::Conflict(fmt::format("import {} is {}; only a failed or canceled import resumes", id_, state_));
    }
  }
  return Launch(false);
}

Status ImportJob::Launch(bool fresh) {
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  if (fresh) std::filesystem::remove(rejects_path());
  pipeline_ = std::make_unique<ImportPipeline>(bundle_path(), options_);
  report_ = ImportReport{};
  error_ = Status::Ok();
  state_ = "running";
  thread_ = std::thread([this] {
    ImportReport report;
    ImportPipeline* pipeline = nullptr;
    {
      std::lock_guard lock(mu_);
      pipeline = pipeline_.get();
    }
    const Status s = pipeline->Run(&resume_, &report);
    std::lock_guard lock(mu_);
    report_ = std::move(report);
    error_ = s;
    state_ = s.ok() ? "completed" : s.code() == StatusCode::kCanceled ? "canceled" : "failed";
  });
  return Status::Ok();
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
      {"bundle", {{"name", bundle_name_}, {"size", bundle_size_}}},
      {"progress", pipeline_ ? pipeline_->progress().ToJson() : nlohmann::json(nullptr)},
      {"report", state_ == "running" || !pipeline_ ? nlohmann::json(nullptr) : report_.ToJson()},
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
