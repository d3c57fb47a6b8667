// ExportService: runs export jobs in the background, several at once, and keeps them addressable
// by id for status, cancel, resume and download (SPEC.md section 4). Owns the output directory:
// only bundles its own jobs produced are ever served for download.
//
// Thread-safe.
#pragma once

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
};

class ExportService {
 public:
  explicit ExportService(ExportServiceOptions options);
  // Cancels running jobs, waits for them and removes the staging of every unfinished job (a
  // resume is impossible once the process is gone).
  ~ExportService();

  // Starts a job in the background; errors mean the config or the connection is unusable.
  Result<std::shared_ptr<ExportJob>> Start(const ExportConfig& config);
  // Continues the unfinished export `job_id` of an earlier process from the staging dir `root`
  // ("" = default), with the credentials and obfuscation key in `secrets` (StagedExportConfig).
  Result<std::shared_ptr<ExportJob>> Adopt(const std::string& root, const std::string& job_id,
                                           const nlohmann::json& secrets);
  // The job with this id, or NotFound.
  Result<std::shared_ptr<ExportJob>> Find(const std::string& job_id) const;
  // Removes the unfinished export `job_id` an earlier process left under `root` ("" = default)
  // with everything it staged. Conflict for a job of this process (cancel it instead).
  Status Discard(const std::string& root, const std::string& job_id);
  // The absolute path of a completed bundle of this process named by its path or file name;
  // NotFound for anything else.
  Result<std::string> OwnBundlePath(const std::string& path_or_name) const;

  const std::string& output_dir() const { return options_.output_dir; }

 private:
  ExportServiceOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<ExportJob>> jobs_;
};

// A new random export id (12 lowercase hex digits).
std::string NewExportId();

}  // namespace vmx
