#include "infrastructure/archive/bundle_metadata.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "common/safe_file.h"
#include "domain/export_config.h"

namespace vmx {

nlohmann::json BundleMetadataToJson(const BundleMetadata& m) {
  // vm_versions: component -> newest version ("" when the build reported none), the established
  // tool's shape; vm_versions_seen: every version with its instance count.
  nlohmann::json versions = nlohmann::json::object();
  for (const auto& [component, version] : m.vm_versions.NewestByComponent()) versions[component] = version;
  nlohmann::json checksums = nlohmann::json::object();
  for (const auto& [entry, sha] : m.entry_sha256) checksums[entry] = sha;
  nlohmann::json j = {
      {"export_id", m.export_id},
      {"export_date", FormatRfc3339(m.export_date_ms)},
      {"time_range", TimeRangeToJson(m.time_range)},
      {"components", m.components},
      {"jobs", m.jobs},
      {"metrics_count", m.metrics_count},
      {"samples_count", m.samples_count},
      {"lines_count", m.lines_count},
      {"obfuscated", m.obfuscated},
      {"tool", {{"name", "vmexporter"}, {"version", m.tool_version}}},
      {"tool_version", m.tool_version},
      {"vm_versions", versions},
      {"vm_versions_seen", m.vm_versions.ToJson()},
      {"selection",
       {{"mode", m.mode},
        {"query_type", m.query_type},
        {"selector", m.selector},
        {"source", m.source}}},
      {"metric_step_seconds", m.metric_step_seconds},
      {"batching", m.batching},
      {"obfuscation_policy", m.obfuscation_policy},
      {"privacy_report", m.privacy_report},
      {"sha256", checksums},
      {"format", {{"metrics.jsonl", "VictoriaMetrics /api/v1/export JSON lines"}}},
  };
  // Which name the export was asked for: vmgather calls the single node "victoria".
  if (!m.single_node_alias.empty()) j["component_aliases"] = {{m.single_node_alias, "vmsingle"}};
  return j;
}

std::string BundleFileName(const std::string& export_id, UnixMillis when_ms) {
  const std::time_t secs = static_cast<std::time_t>(when_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d_%H%M%S", &tm);
  return fmt::format("vmexport_{}_{}.zip", export_id, stamp);
}

std::string Sha256SidecarText(const std::string& sha256_hex, const std::string& file_name) {
  return sha256_hex + "  " + file_name + "\n";
}

Status WriteSha256Sidecar(const std::string& zip_path, const std::string& sha256_hex) {
  const std::string path = zip_path + ".sha256";
  const std::string tmp = path + ".part";
  const std::string text =
      Sha256SidecarText(sha256_hex, std::filesystem::path(zip_path).filename().string());
  Result<FILE*> created = ReplaceWithNewFile(tmp);
  if (!created.ok()) return created.status();
  FILE* f = *created;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    return Status::Internal("cannot write " + tmp, "check free disk space in the output directory");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return Status::Internal(fmt::format("cannot rename {} to {}: {}", tmp, path, ec.message()));
  return Status::Ok();
}

}  // namespace vmx
