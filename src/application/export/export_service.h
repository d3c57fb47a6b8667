// ExportService: runs export jobs in the background, several at once, and keeps them addressable
// by id for status, cancel, resume and download (SPEC.md section 4). Owns the output directory:
// only bundles its own jobs produced are ever served for download.
//
// A finished job (completed, failed or canceled) holds memory (its window list, its obfuscator's
// share) and is dropped `downloaded_ttl` after its bundle was downloaded or `finished_ttl` after
// it finished; afterwards its id answers Gone (410) saying so, and its bundle stays downloadable.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "application/export/export_job.h"
#include "common/status.h"
#include "domain/export_config.h"

namespace vmx {

struct ExportServiceOptions {
  std::string output_dir;
  ExportJobOptions job;  // output_dir inside is overwritten by the one above
  std::chrono::milliseconds finished_ttl{3'600'000};
  // A grace period after the first download, for the page to fetch the pseudonym mapping.
  std::chrono::milliseconds downloaded_ttl{600'000};
};

class ExportService {
 public:
  explicit ExportService(ExportServiceOptions options);
  // Cancels running jobs, waits for them and removes the staging of every unfinished job that
  // no other process could continue.
  ~ExportService();

  // Starts a job in the background; errors mean the config or the connection is unusable. The
  // job is findable (and cancelable) while it starts.
  Result<std::shared_ptr<ExportJob>> Start(const ExportConfig& config);
  // Continues the unfinished export `job_id` of an earlier process from the staging dir `root`
  // ("" = default), with the credentials and obfuscation key in `secrets` (StagedExportConfig).
  Result<std::shared_ptr<ExportJob>> Adopt(const std::string& root, const std::string& job_id,
                                           const nlohmann::json& secrets);
  // The job with this id; Gone when it finished and was dropped, NotFound when unknown.
  Result<std::shared_ptr<ExportJob>> Find(const std::string& job_id) const;
  // Removes the unfinished export `job_id` an earlier process left under `root` ("" = default)
  // with everything it staged. Conflict for a job of this process (cancel it instead).
  Status Discard(const std::string& root, const std::string& job_id);
  // The absolute path of a completed bundle of this process named by its path or file name;
  // NotFound for anything else. Counts as the bundle's download.
  Result<std::string> OwnBundlePath(const std::string& path_or_name);
  // Cancels every pending or running job (the process is shutting down).
  void CancelAll();
  // Jobs held in memory (for tests of the memory bound).
  size_t jobs_held() const;

  const std::string& output_dir() const { return options_.output_dir; }

 private:
  struct Entry {
    std::shared_ptr<ExportJob> job;
    std::chrono::steady_clock::time_point finished{};  // first seen finished
    std::chrono::steady_clock::time_point downloaded{};
  };
  struct Dropped {
    std::string state;
    std::string reason;
    std::string archive_path, archive_name;  // of a completed job
  };
  // Drops finished jobs whose time is up; mu_ held.
  void SweepLocked() const;

  ExportServiceOptions options_;
  mutable std::mutex mu_;
  mutable std::map<std::string, Entry> jobs_;
  mutable std::map<std::string, Dropped> dropped_;
};

// A new random export id (12 lowercase hex digits).
std::string NewExportId();

}  // namespace vmx
