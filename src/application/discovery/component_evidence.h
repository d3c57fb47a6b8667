// Which VictoriaMetrics component a scrape job is, from the evidence discovery can gather: the
// `version` label of vm_app_version, the job name, and the metric names the job exposes. Needed
// because some builds (Debian's) leave `version` empty. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vmx {

// How a job's component was decided, strongest first.
enum class ComponentEvidence { kVersionLabel, kJobName, kMetricNames, kNone };

struct JobClassification {
  std::string component;  // "vmstorage", "vmsingle", …; "" when nothing points to a component
  ComponentEvidence evidence = ComponentEvidence::kNone;
};

// Classifies a job: the version label wins, then a component name inside the job name
// ("vmstorage-prod", "victoria-metrics"), then the metric names (`metric_names` may be empty).
JobClassification ClassifyJob(std::string_view job, std::string_view version_label,
                              const std::vector<std::string>& metric_names);

// The component a job name mentions ("prod-vmselect" -> "vmselect", "victoria-metrics" ->
// "vmsingle"), or "".
std::string ComponentFromJobName(std::string_view job);

// The component a set of metric names points to: the most frequent component-specific prefix
// (vm_rpc_, vmagent_, vmalert_, …); a single node shows storage, insert and select metrics
// together without cluster RPC ones, and its storage gauges (vm_rows, vm_data_size_bytes) outweigh
// the vm_promscrape_* names of its embedded scraper. "" when the names show no VM component.
std::string ComponentFromMetricNames(const std::vector<std::string>& metric_names);

// "v1.79.5" from a short_version label, or from a version label such as
// "vmstorage-20240101-000000-tags-v1.97.1-cluster-0-gabc"; "" when neither says it.
std::string ShortVersion(std::string_view version_label, std::string_view short_version_label);

// "version_label", "job_name", "metric_names" or "none", for API replies.
const char* EvidenceName(ComponentEvidence e);

}  // namespace vmx
