#include "application/export/staged_exports.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "application/export/staging_area.h"
#include "application/export/staging_lock.h"

namespace fs = std::filesystem;

namespace vmx {
namespace {

void JudgeResumable(StagedExport& e) {
  const nlohmann::json& m = e.manifest;
  e.in_use = StagingInUse(e.dir);
  if (e.in_use) {
    e.reason = "it is running in another vmexporter process (or in this one)";
  } else if (!m.contains("config") || !m["config"].is_object() || !m.contains("windows")) {
    e.reason = "written by an older vmexporter that did not record its settings";
  } else if (m.value("obfuscated", false) && !m.value("keyed", false)) {
    e.reason = "pseudonyms were random (no obfuscation key), so new windows would not match the "
               "completed ones; start the export again, with -obfuscation-key to make it resumable";
  } else {
    e.resumable = true;
  }
}

}  // namespace

std::vector<StagedExport> ListStagedExports(const std::string& root) {
  std::vector<StagedExport> found;
  std::error_code ec;
  const fs::path base = root.empty() ? fs::path(DefaultStagingRoot()) : fs::path(root);
  for (fs::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory()) continue;
    std::ifstream in(it->path() / "manifest.json");
    if (!in) continue;
    StagedExport e;
    e.manifest = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (e.manifest.is_discarded() || !e.manifest.is_object()) continue;
    e.job_id = it->path().filename().string();
    e.dir = it->path().string();
    JudgeResumable(e);
    found.push_back(std::move(e));
  }
  std::sort(found.begin(), found.end(), [](const StagedExport& a, const StagedExport& b) {
    return a.manifest.value("created_ms", int64_t{0}) < b.manifest.value("created_ms", int64_t{0});
  });
  return found;
}

Result<StagedExport> FindStagedExport(const std::string& root, const std::string& job_id) {
  std::vector<std::string> ids;
  for (StagedExport& e : ListStagedExports(root)) {
    if (e.job_id == job_id) return std::move(e);
    ids.push_back(e.job_id);
  }
  const std::string where = root.empty() ? DefaultStagingRoot() : root;
  return Status::NotFound(
      fmt::format("no unfinished export {:?} in the staging dir {}", job_id, where),
      ids.empty() ? "there is nothing to resume there; start a new export"
                  : fmt::format("unfinished exports there: {}", fmt::join(ids, ", ")));
}

nlohmann::json StagedExportSummary(const StagedExport& e) {
  const nlohmann::json& m = e.manifest;
  size_t done = 0, total = 0;
  uint64_t samples = 0;
  for (const nlohmann::json& w : m.value("windows", nlohmann::json::array())) {
    ++total;
    if (w.value("completed", false)) {
      ++done;
      samples += w.value("samples", uint64_t{0});
    }
  }
  nlohmann::json url = nullptr;
  std::string auth_type = "none";  // what a continuation must be given again
  if (m.contains("config") && m["config"].is_object()) {
    const nlohmann::json& conn = m["config"]["connection"];
    url = conn.value("url", "");
    if (conn.contains("auth") && conn["auth"].is_object()) auth_type = conn["auth"].value("type", "none");
  }
  return {{"job_id", e.job_id},
          {"staging_path", e.dir},
          {"time_range", m.value("time_range", nlohmann::json(nullptr))},
          {"completed_batches", done},
          {"total_batches", total},
          {"samples", samples},
          {"obfuscated", m.value("obfuscated", false)},
          {"keyed", m.value("keyed", false)},
          {"url", url},
          {"auth_type", auth_type},
          {"in_use", e.in_use},
          {"resumable", e.resumable},
          {"reason", e.reason}};
}

Result<ExportConfig> StagedExportConfig(const StagedExport& e, const nlohmann::json& secrets) {
  if (!e.resumable) {
    return Status::Conflict(fmt::format("export {} cannot be resumed: {}", e.job_id, e.reason));
  }
  nlohmann::json config = e.manifest["config"];
  // What is given again wins; what is not (e.g. the user name, when only the password is passed
  // again) comes from the manifest.
  if (secrets.contains("auth") && secrets["auth"].is_object()) {
    nlohmann::json& auth = config["connection"]["auth"];
    if (!auth.is_object()) auth = nlohmann::json::object();
    for (const auto& [field, value] : secrets["auth"].items()) {
      if (!(value.is_string() && value.get<std::string>().empty())) auth[field] = value;
    }
  }
  config["obfuscation"].erase("keyed");
  if (secrets.contains("obfuscation_key") && secrets["obfuscation_key"].is_string()) {
    config["obfuscation"]["key"] = secrets["obfuscation_key"];
  }
  // The staging dir is where the export lives now, whatever it was called when it started.
  config["staging_dir"] = fs::path(e.dir).parent_path().string();
  Result<ExportConfig> c = ExportConfigFromJson(config);
  if (!c.ok()) return c.status().Wrap(fmt::format("cannot resume export {}", e.job_id));
  return c;
}

}  // namespace vmx
