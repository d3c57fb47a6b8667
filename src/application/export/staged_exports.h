// Staged exports: what the staging dir holds of exports a gone process left unfinished (killed,
// crashed, power loss), and how to continue one. The staging area keeps no secrets, so a
// continuation needs the credentials again, and for obfuscated exports the same obfuscation key:
// without a key pseudonyms were random and cannot be reproduced.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "common/status.h"
#include "domain/export_config.h"

namespace vmx {

struct StagedExport {
  std::string job_id;
  std::string dir;
  nlohmann::json manifest;
  bool resumable = false;
  bool in_use = false;  // a live process runs it (StagingLock): neither resumable nor discardable
  std::string reason;  // why not, when not resumable
};

// The unfinished exports under `root` ("" = the default staging root), oldest first. Directories
// without a readable manifest are skipped.
std::vector<StagedExport> ListStagedExports(const std::string& root);

// The staged export `job_id` under `root`, or NotFound listing what there is.
Result<StagedExport> FindStagedExport(const std::string& root, const std::string& job_id);

// {job_id, staging_path, time_range, completed_batches, total_batches, samples, obfuscated,
//  keyed, url, auth_type, in_use, resumable, reason} for the API and the CLI.
nlohmann::json StagedExportSummary(const StagedExport& e);

// The export's config from its manifest plus what the user gives again: `secrets` may hold
// "auth" (as in ExportConfig.connection.auth) and "obfuscation_key".
Result<ExportConfig> StagedExportConfig(const StagedExport& e, const nlohmann::json& secrets);

}  // namespace vmx
