// The bundle's metadata.json (SPEC.md section 7): what was exported, how, and the checksums of
// the other entries. Holds no secrets and no original values of obfuscated labels.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/component_versions.h"
#include "domain/time_range.h"

namespace vmx {

struct BundleMetadata {
  std::string export_id;
  UnixMillis export_date_ms = 0;
  TimeRange time_range;
  std::vector<std::string> components;
  std::string single_node_alias;  // "victoria" when the config named vmsingle so
  std::vector<std::string> jobs;  // pseudonyms when obfuscation is on
  uint64_t metrics_count = 0;     // distinct series in metrics.jsonl
  uint64_t lines_count = 0;       // lines in metrics.jsonl
  uint64_t samples_count = 0;
  bool obfuscated = false;
  std::string tool_version;
  ComponentVersions vm_versions;  // every version seen, with instances
  std::string mode;               // "cluster" | "custom"
  std::string query_type;         // "selector" | "metricsql"
  std::string selector;           // the match[] or MetricsQL sent to VM
  int64_t metric_step_seconds = 0;
  nlohmann::json batching;                          // {enabled, strategy, window_seconds, windows}
  nlohmann::json obfuscation_policy;                // rules, never mappings or keys
  nlohmann::json privacy_report;                    // rule counters, never originals
  std::string source;                               // "export" or "query_range fallback"
  std::map<std::string, std::string> entry_sha256;  // entry name -> SHA-256 hex
};

// The JSON written as metadata.json.
nlohmann::json BundleMetadataToJson(const BundleMetadata& m);

// "vmexport_<export_id>_<YYYYMMDD_HHMMSS>.zip" for an export started at `when_ms` (UTC).
std::string BundleFileName(const std::string& export_id, UnixMillis when_ms);

// The sidecar text in sha256sum format: "<hex>  <file name>\n".
std::string Sha256SidecarText(const std::string& sha256_hex, const std::string& file_name);

// Writes "<zip_path>.sha256" next to the bundle (to a temp name, then renamed).
Status WriteSha256Sidecar(const std::string& zip_path, const std::string& sha256_hex);

}  // namespace vmx
