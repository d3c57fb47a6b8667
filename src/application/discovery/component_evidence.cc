#include "application/discovery/component_evidence.h"

#include <array>
#include <map>

#include "infrastructure/obfuscation/component_classifier.h"

namespace vmx {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool HasAny(const std::vector<std::string>& names, std::string_view prefix) {
  for (const std::string& n : names) {
    if (StartsWith(n, prefix)) return true;
  }
  return false;
}

// True when the names show a process that holds data (vmstorage or a single node; vmagent,
// vminsert and vmselect have none of these gauges) without any cluster link: a single node.
// Exact names, since vm_rows_inserted_total is vmagent's too.
bool LooksLikeSingleNode(const std::vector<std::string>& names) {
  static constexpr std::array<std::string_view, 5> kStorage = {"vm_data_size_bytes", "vm_rows",
                                                               "vm_parts", "vm_pending_rows",
                                                               "vm_new_timeseries_created_total"};
  bool storage = false;
  for (const std::string& n : names) {
    for (std::string_view s : kStorage) storage = storage || n == s;
  }
  if (!storage) return false;
  // vmstorage's side of its links (vm_vminsert_*, vm_vmselect_*) and the RPC clients' vm_rpc_*.
  // Not vminsert_*/vmselect_*: a single node serves those request histograms itself.
  static constexpr std::array<std::string_view, 3> kCluster = {"vm_vminsert_", "vm_vmselect_",
                                                               "vm_rpc_"};
  for (std::string_view c : kCluster) {
    if (HasAny(names, c)) return false;
  }
  return true;
}

}  // namespace

std::string ComponentFromJobName(std::string_view job) {
  std::string lower(job);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  // Longer names first: "vmselect" must not be read as a "vmse…" prefix of something else.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kNames = {{
      {"vmbackupmanager", "vmbackupmanager"},
      {"victoria-metrics", "vmsingle"},
      {"victoriametrics", "vmsingle"},
      {"vmanomaly", "vmanomaly"},
      {"vmstorage", "vmstorage"},
      {"vminsert", "vminsert"},
      {"vmselect", "vmselect"},
      {"vmsingle", "vmsingle"},
      {"vmagent", "vmagent"},
      {"vmalert", "vmalert"},
      {"vmauth", "vmauth"},
      {"vm-single", "vmsingle"},
  }};
  for (const auto& [needle, component] : kNames) {
    if (lower.find(needle) != std::string::npos) return std::string(component);
  }
  return {};
}

std::string ComponentFromMetricNames(const std::vector<std::string>& names) {
  // A single node embeds vmagent's scraper (dozens of vm_promscrape_* names, even when it only
  // scrapes itself), so prefix votes alone would call it vmagent.
  if (LooksLikeSingleNode(names)) return "vmsingle";
  std::map<std::string, int> votes;
  for (const std::string& n : names) {
    std::string_view c = ComponentFromMetricName(n);
    if (!c.empty()) ++votes[std::string(c)];
  }
  // vmstorage also exposes vm_vminsert_* / vm_vmselect_* link metrics; vminsert exposes vm_rpc_*.
  // A node with storage metrics and its own RPC server metrics is vmstorage, not vminsert.
  std::string best;
  int best_votes = 0;
  for (const auto& [component, n] : votes) {
    if (n > best_votes) {
      best = component;
      best_votes = n;
    }
  }
  if (!best.empty()) return best;
  // No component-specific prefix: a single node has storage (vm_data_size_bytes, vm_rows),
  // ingestion (vm_rows_inserted_total) and caches (vm_cache_*) in one process.
  const bool storage =
      HasAny(names, "vm_data_size_bytes") || HasAny(names, "vm_rows") || HasAny(names, "vm_parts");
  const bool ingest = HasAny(names, "vm_rows_inserted_total");
  const bool cache = HasAny(names, "vm_cache_");
  if (storage && ingest) return "vmsingle";
  if (storage || cache) return "vmsingle";
  return {};
}

JobClassification ClassifyJob(std::string_view job, std::string_view version_label,
                              const std::vector<std::string>& metric_names) {
  if (std::string_view c = ComponentFromVersion(version_label); !c.empty()) {
    return {std::string(c), ComponentEvidence::kVersionLabel};
  }
  if (std::string c = ComponentFromJobName(job); !c.empty())
    return {c, ComponentEvidence::kJobName};
  if (std::string c = ComponentFromMetricNames(metric_names); !c.empty()) {
    return {c, ComponentEvidence::kMetricNames};
  }
  return {};
}

std::string ShortVersion(std::string_view version_label, std::string_view short_version_label) {
  if (!short_version_label.empty()) return std::string(short_version_label);
  size_t tags = version_label.find("-tags-");
  if (tags == std::string_view::npos) return {};
  std::string_view rest = version_label.substr(tags + 6);
  size_t end = rest.find('-');
  std::string_view v = rest.substr(0, end);
  if (v.empty() || v[0] != 'v') return {};
  return std::string(v);
}

const char* EvidenceName(ComponentEvidence e) {
  switch (e) {
    case ComponentEvidence::kVersionLabel:
      return "version_label";
    case ComponentEvidence::kJobName:
      return "job_name";
    case ComponentEvidence::kMetricNames:
      return "metric_names";
    case ComponentEvidence::kNone:
      return "none";
  }
  return "none";
}

}  // namespace vmx
