#include "application/export/export_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <random>

#include "application/export/staged_exports.h"
#include "application/export/staging_journal.h"

namespace fs = std::filesystem;

namespace vmx {
namespace {

constexpr size_t kMaxDroppedKept = 10'000;  // tombstones are small; still, not without bound

bool Finished(ExportJobState s) {
  return s != ExportJobState::kPending && s != ExportJobState::kRunning;
}

}  // namespace

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
  std::map<std::string, Entry> jobs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs.swap(jobs_);
  }
  for (auto& [id, entry] : jobs) {
    ExportJob& job = *entry.job;
    const bool failed = job.state() == ExportJobState::kFailed;
    (void)job.Cancel();
    job.Wait();
    if (job.state() == ExportJobState::kCompleted) continue;
    const std::string dir = job.staging_dir();
    // A failed or interrupted export (disk full, VictoriaMetrics gone, Ctrl-C) that a later
    // process can continue keeps its completed windows; everything else is removed, so a clean
    // exit leaves nothing behind.
    if (job.ResumableElsewhere() && (failed || job.state() == ExportJobState::kCanceled) &&
        !dir.empty()) {
      // The whole command: without -staging-dir, run as printed it would look elsewhere.
      spdlog::warn(
          "export {} did not finish; its completed windows stay in {} for `vmexporter export "
          "-resume={} -staging-dir={}`",
          id, dir, id, fs::path(dir).parent_path().string());
      continue;
    }
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
}

Result<std::shared_ptr<ExportJob>> ExportService::Start(const ExportConfig& config) {
  auto job = std::make_shared<ExportJob>(NewExportId(), config, options_.job);
  {
    std::lock_guard<std::mutex> lock(mu_);
    SweepLocked();
    jobs_[job->id()] = Entry{job};
  }
  if (Status s = job->Start(); !s.ok()) {
    // Nothing was fetched: whatever the start left in the staging dir is of no use.
    std::error_code ec;
    if (const std::string dir = job->staging_dir(); !dir.empty()) fs::remove_all(dir, ec);
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.erase(job->id());
    return s;
  }
  return job;
}

Result<std::shared_ptr<ExportJob>> ExportService::Adopt(const std::string& root,
                                                        const std::string& job_id,
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
  {
    // Two adoptions of one staged export at once would share its files: the second is refused.
    std::lock_guard<std::mutex> lock(mu_);
    if (!jobs_.emplace(job_id, Entry{job}).second) {
      return Status::Conflict(fmt::format("export {} is already being resumed", job_id),
                              "follow its status");
    }
  }
  if (Status s = job->StartFromStaging(staged->manifest); !s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.erase(job_id);
    return s;
  }
  return job;
}

Status ExportService::Discard(const std::string& root, const std::string& job_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (jobs_.count(job_id) > 0) {
      return Status::Conflict(
          fmt::format("export {} belongs to this process", job_id),
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

void ExportService::SweepLocked() const {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Entry& e = it->second;
    const ExportJobState state = e.job->state();
    if (!Finished(state)) {
      e.finished = {};
      ++it;
      continue;
    }
    if (e.finished == std::chrono::steady_clock::time_point{}) e.finished = now;
    const bool downloaded = e.downloaded != std::chrono::steady_clock::time_point{};
    const bool expired = now - e.finished >= options_.finished_ttl ||
                         (downloaded && now - e.downloaded >= options_.downloaded_ttl);
    if (!expired) {
      ++it;
      continue;
    }
    Dropped d;
    d.state = ExportJobStateName(state);
    d.reason = downloaded ? "its bundle was downloaded" : "it finished more than an hour ago";
    if (std::optional<ExportResult> r = e.job->result()) {
      d.archive_path = r->archive_path;
      d.archive_name = r->archive_name;
    }
    if (dropped_.size() >= kMaxDroppedKept) dropped_.erase(dropped_.begin());
    dropped_[it->first] = std::move(d);
    it = jobs_.erase(it);
  }
}

Result<std::shared_ptr<ExportJob>> ExportService::Find(const std::string& job_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  SweepLocked();
  auto it = jobs_.find(job_id);
  if (it != jobs_.end()) return it->second.job;
  if (auto d = dropped_.find(job_id); d != dropped_.end()) {
    return Status::Gone(fmt::format("export {} is {} and no longer tracked: {}", job_id,
                                    d->second.state, d->second.reason),
                        d->second.archive_path.empty()
                            ? "start a new export"
                            : "its bundle is still at " + d->second.archive_path);
  }
  return Status::NotFound(
      fmt::format("no export job with id {:?}", job_id),
      "start one with POST /api/export/start; ids last until the process exits");
}

Result<std::string> ExportService::OwnBundlePath(const std::string& path_or_name) {
  std::lock_guard<std::mutex> lock(mu_);
  SweepLocked();
  std::error_code ec;
  for (auto& [id, e] : jobs_) {
    std::optional<ExportResult> r = e.job->result();
    if (!r || (path_or_name != r->archive_path && path_or_name != r->archive_name)) continue;
    if (!fs::is_regular_file(r->archive_path, ec)) continue;
    if (e.downloaded == std::chrono::steady_clock::time_point{})
      e.downloaded = std::chrono::steady_clock::now();
    return r->archive_path;
  }
  for (const auto& [id, d] : dropped_) {
    if (d.archive_path.empty() ||
        (path_or_name != d.archive_path && path_or_name != d.archive_name))
      continue;
    if (fs::is_regular_file(d.archive_path, ec)) return d.archive_path;
  }
  return Status::NotFound(
      fmt::format("{:?} is not a bundle this vmexporter produced", path_or_name),
      "only bundles exported by this process can be downloaded");
}

void ExportService::CancelAll() {
  std::vector<std::shared_ptr<ExportJob>> jobs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, e] : jobs_) jobs.push_back(e.job);
  }
  for (const auto& job : jobs) (void)job->Cancel();
}

size_t ExportService::jobs_held() const {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_.size();
}

}  // namespace vmx
