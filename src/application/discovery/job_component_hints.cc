#include "application/discovery/job_component_hints.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "application/discovery/component_discovery.h"
#include "application/discovery/selector_jobs.h"
#include "application/export/export_selection.h"

namespace vmx {

namespace {

// Custom selector mode: the jobs the selector reaches, each with the component discovery finds
// for it, so pseudonyms read "vmstorage-job-1" as in cluster mode. Jobs of no VictoriaMetrics
// component stay unclassified. A MetricsQL query names no series up front: nothing to do.
Status ResolveSelectorJobComponents(ExportConfig& config, VmClient& client) {
  if (config.query_type != QueryType::kSelector) return Status::Ok();
  Result<ExportSelection> selection = SelectionFor(config);
  if (!selection.ok()) return selection.status();
  Result<std::vector<SelectorJob>> jobs = DiscoverSelectorJobs(client, selection->match, config.time_range);
  if (!jobs.ok()) return jobs.status().Wrap("cannot learn which jobs the selector reaches");
  DiscoveryOptions options;
  options.count_series = false;
  Result<DiscoveryReport> report = DiscoverComponents(client, config.time_range, options);
  if (!report.ok()) return report.status().Wrap("cannot learn which component each job belongs to");
  std::map<std::string, std::string> component_of;
  for (const DiscoveredComponent& c : report->components) {
    if (c.component == "unknown") continue;
    for (const std::string& job : c.jobs) component_of[job] = c.component;
  }
  for (const SelectorJob& j : *jobs) {
    if (auto it = component_of.find(j.job); it != component_of.end()) config.job_components[j.job] = it->second;
  }
  return Status::Ok();
}

}  // namespace

Status ResolveJobComponents(ExportConfig& config, VmClient& client) {
  if (!config.job_components.empty()) return Status::Ok();
  if (config.mode == ExportMode::kCustom) return ResolveSelectorJobComponents(config, client);
  if (config.components.size() == 1) {
    for (const std::string& job : config.jobs) config.job_components[job] = config.components[0];
    return Status::Ok();
  }
  DiscoveryOptions options;
  options.count_series = false;
  Result<DiscoveryReport> report = DiscoverComponents(client, config.time_range, options);
  if (!report.ok()) return report.status().Wrap("cannot learn which component each job belongs to");
  for (const DiscoveredComponent& c : report->components) {
    for (const std::string& job : c.jobs) config.job_components[job] = c.component;
  }
  return Status::Ok();
}

void TeachJobComponents(const ExportConfig& config, Obfuscator& obfuscator) {
  for (const auto& [job, component] : config.job_components)
    obfuscator.SetJobComponent(job, component);
}

namespace {

// Bounds the questions one export asks before it starts.
constexpr size_t kMaxTaughtJobs = 200;
constexpr size_t kMaxLearnedValuesPerLabel = 20'000;

}  // namespace

Status TeachSelection(const ExportConfig& config, VmClient& client,
                      const std::vector<std::string>& match, Obfuscator& obfuscator) {
  Status first = Status::Ok();
  size_t jobs = 0;
  for (const auto& [job, component] : config.job_components) {
    if (++jobs > kMaxTaughtJobs) break;
    Result<std::vector<std::string>> instances =
        client.LabelValues("instance", {"{job=" + QuotedLabelValue(job) + "}"}, config.time_range);
    if (!instances.ok()) {
      if (first.ok())
        first = instances.status().Wrap(fmt::format("cannot list the instances of job {}", job));
      continue;
    }
    for (const std::string& instance : *instances)
      obfuscator.SetInstanceComponent(instance, component);
  }
  if (match.empty()) return first;
  Result<std::vector<std::string>> names = client.LabelNames(match, config.time_range);
  if (!names.ok())
    return first.ok() ? names.status().Wrap("cannot list the label names of the selection") : first;
  for (const std::string& name : *names) {
    if (!obfuscator.ReplacesWholeValues(name)) continue;
    Result<std::vector<std::string>> values = client.LabelValues(name, match, config.time_range);
    if (!values.ok()) {
      if (first.ok())
        first = values.status().Wrap(fmt::format("cannot list the values of label {}", name));
      continue;
    }
    const size_t n = std::min(values->size(), kMaxLearnedValuesPerLabel);
    for (size_t i = 0; i < n; ++i) obfuscator.LearnValue(name, (*values)[i]);
  }
  return first;
}

}  // namespace vmx
