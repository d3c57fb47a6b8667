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
  nlohmann::json manifest;  // with its journal folded in (StagingJournal::Load)
  bool resumable = false;
  bool in_use = false;  // a live process runs it (StagingLock): neither resumable nor discardable
  std::string reason;  // why not, when not resumable
};

// The unfinished exports under `root` ("" = the default staging root), oldest first. Directories
// without a readable manifest, symlinks and directories of other users are skipped.
std::vector<StagedExport> ListStagedExports(const std::string& root);

// The staged export `job_id` under `root`, or NotFound listing what there is.
Result<StagedExport> FindStagedExport(const std::string& root, const std::string& job_id);

// {job_id, staging_path, time_range, completed_batches, total_batches, samples, obfuscated,
//  keyed, url, auth_type, in_use, resumable, reason} for the API and the CLI.
nlohmann::json StagedExportSummary(const StagedExport& e);

// What of `config` (normalised) a staging manifest keeps: everything a later process needs except
// secrets; with obfuscation on, also no original value (URL, user name, job names, components
// map, query): those are asked for again on resume and checked against StagedOriginalsCheck.
nlohmann::json StagedConfigJson(const ExportConfig& config);
// An HMAC, with the obfuscation key, of the originals StagedConfigJson leaves out ("" without a
// key: such an export cannot be resumed anyway).
std::string StagedOriginalsCheck(const ExportConfig& config, const std::string& job_id);

// The export's config from its manifest plus what the user gives again: `secrets` may hold
// "auth" (as in ExportConfig.connection.auth) and "obfuscation_key", and for an obfuscated export
// the originals: "url" (or "connection": {"url"}), "jobs" and "query".
Result<ExportConfig> StagedExportConfig(const StagedExport& e, const nlohmann::json& secrets);

}  // namespace vmx
