#include "application/export/export_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <random>

#include "application/export/staged_exports.h"

namespace fs = std::filesystem;

namespace vmx {

std::string NewExportId() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  return fmt::format("{:012x}", rng() & 0xffffffffffffULL);
}

ExportService::ExportService(ExportServiceOptions options) : options_(std::move(options)) {
  options_.job.output_dir = options_.output_dir;
}

ExportService::~ExportService() {
  std::map<std::string, std::shared_ptr<ExportJob>> jobs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs.swap(jobs_);
  }
  for (auto& [id, job] : jobs) {
    const bool failed = job->state() == ExportJobState::kFailed;
    (void)job->Cancel();
    job->Wait();
    if (job->state() == ExportJobState::kCompleted) continue;
    const std::string dir = job->StartJson().value("staging_path", "");
    // A failed export (disk full, VictoriaMetrics gone) that a later process can continue keeps
    // its completed windows; everything else is removed, so a clean exit leaves nothing behind.
    if (failed && job->ResumableElsewhere()) {
      spdlog::warn("export {} failed; its completed windows stay in {} for `vmexporter export -resume={}`", id, dir, id);
      continue;
    }
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
}

Result<std::shared_ptr<ExportJob>> ExportService::Start(const ExportConfig& config) {
  auto job = std::make_shared<ExportJob>(NewExportId(), config, options_.job);
  if (Status s = job->Start(); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  jobs_[job->id()] = job;
  return job;
}

Result<std::shared_ptr<ExportJob>> ExportService::Adopt(const std::string& root, const std::string& job_id,
                                                        const nlohmann::json& secrets) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (jobs_.count(job_id) > 0) {
      return Status::Conflict(fmt::format("export {} belongs to this process", job_id),
                              "resume it with its job_id alone");
    }
  }
  Result<StagedExport> staged = FindStagedExport(root, job_id);
  if (!staged.ok()) return staged.status();
  Result<ExportConfig> config = StagedExportConfig(*staged, secrets);
  if (!config.ok()) return config.status();
  auto job = std::make_shared<ExportJob>(job_id, *config, options_.job);
  if (Status s = job->StartFromStaging(staged->manifest); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  jobs_[job->id()] = job;
  return job;
}

Status ExportService::Discard(const std::string& root, const std::string& job_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (jobs_.count(job_id) > 0) {
      return Status::Conflict(fmt::format("export {} belongs to this process", job_id),
                              "cancel it; its staged windows are removed when the bundle is written");
    }
  }
  // Only a directory found under the root by its listing, named like a job id and holding our
  // manifest: a mistyped staging dir cannot make this remove something else.
  const bool id_shaped = !job_id.empty() && job_id.size() <= 64 &&
                         job_id.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!id_shaped) {
    return Status::InvalidArgument(fmt::format("{:?} is not an export id", job_id),
                                   "use a job_id from GET /api/export/staged");
  }
  Result<StagedExport> staged = FindStagedExport(root, job_id);
  if (!staged.ok()) return staged.status();
  if (staged->in_use) {
    return Status::Conflict(fmt::format("export {} is running in another vmexporter process", job_id),
                            "stop that vmexporter (or let the export finish) first");
  }
  if (!staged->manifest.contains("windows") || !staged->manifest["windows"].is_array()) {
    return Status::InvalidArgument(fmt::format("{} holds no vmexporter staging", staged->dir),
                                   "remove it by hand if it is yours");
  }
  std::error_code ec;
  std::filesystem::remove_all(staged->dir, ec);
  if (ec) {
    return Status::Storage(fmt::format("cannot remove {}: {}", staged->dir, ec.message()),
                           "check the permissions of the staging dir, or remove it by hand");
  }
  return Status::Ok();
}

Result<std::shared_ptr<ExportJob>> ExportService::Find(const std::string& job_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    return Status::NotFound(fmt::format("no export job with id {:?}", job_id),
                            "start one with POST /api/export/start; ids last until the process exits");
  }
  return it->second;
}

Result<std::string> ExportService::OwnBundlePath(const std::string& path_or_name) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, job] : jobs_) {
    std::optional<ExportResult> r = job->result();
    if (!r) continue;
    if (path_or_name == r->archive_path || path_or_name == r->archive_name) {
      std::error_code ec;
      if (fs::is_regular_file(r->archive_path, ec)) return r->archive_path;
    }
  }
  return Status::NotFound(fmt::format("{:?} is not a bundle this vmexporter produced", path_or_name),
                          "only bundles exported by this process can be downloaded");
}

}  // namespace vmx
