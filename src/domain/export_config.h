// ExportConfig: everything one export needs (SPEC.md section 4), and its JSON form.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "domain/connection.h"
#include "domain/time_range.h"

namespace vmx {

enum class ExportMode { kCluster, kCustom };
enum class QueryType { kSelector, kMetricsQL };

struct ObfuscationConfig {
  bool enabled = false;
  bool obfuscate_instance = true;
  bool obfuscate_job = true;
  bool preserve_structure = true;
  bool deep_scrub = true;                  // addresses/URLs/emails hidden in any label value
  std::vector<std::string> custom_labels;  // values become "<label>-<n>"
  std::vector<std::string> drop_labels;    // removed entirely (never __name__)
  std::vector<std::string> keep_labels;    // default identity labels the user opts out of
  std::string key;                         // optional secret: stable pseudonyms across runs
};

struct BatchingConfig {
  bool enabled = true;
  std::string strategy = "auto";        // "auto" | "custom"
  int64_t custom_interval_seconds = 0;  // window size when strategy is "custom"
};

struct ExportConfig {
  Connection connection;
  TimeRange time_range;
  std::vector<std::string> components;  // e.g. "vmstorage"; empty in custom mode
  // Cluster mode: original job names chosen in the wizard. Empty means every job of
  // `components` (vmgather's UI sends jobs: [] when each chosen component has one job); the
  // export resolves them by discovery over the range (ResolveClusterJobs).
  std::vector<std::string> jobs;
  // The name the input gave the single-node component when it was vmgather's "victoria" (the
  // config holds our "vmsingle"); "" otherwise. Recorded in the bundle's metadata.
  std::string single_node_alias;
  // job -> component from discovery ("prod-storage" -> "vmstorage"), so job pseudonyms and IP
  // groups name the right component; filled by the service when the caller sends none.
  std::map<std::string, std::string> job_components;
  ExportMode mode = ExportMode::kCluster;
  QueryType query_type = QueryType::kSelector;
  std::string query;  // custom mode: selector or MetricsQL
  ObfuscationConfig obfuscation;
  BatchingConfig batching;
  std::string staging_dir;          // empty: DefaultStagingRoot(), private to this user
  int64_t metric_step_seconds = 0;  // 0: raw samples
  std::string archive_name;         // output_settings.archive_name; empty: generated
};

// Our name of the single-node component, and vmgather's, accepted on input as the same.
inline constexpr const char* kSingleNodeComponent = "vmsingle";
inline constexpr const char* kSingleNodeAlias = "victoria";

// Reads and validates an ExportConfig; the first problem found is returned, naming its field
// ("time_range.end must be after time_range.start").
Result<ExportConfig> ExportConfigFromJson(const nlohmann::json& j);

// Reads {"start","end"} (RFC 3339) at `path` (e.g. "time_range."), validating end > start.
Result<TimeRange> TimeRangeFromJson(const nlohmann::json& j, const std::string& path);

// JSON form of a range: {"start": RFC 3339, "end": RFC 3339}.
nlohmann::json TimeRangeToJson(const TimeRange& r);

// The JSON form without secrets (for metadata and status replies).
nlohmann::json ExportConfigToPublicJson(const ExportConfig& c);

}  // namespace vmx
