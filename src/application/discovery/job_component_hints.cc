#include "application/discovery/job_component_hints.h"

#include "application/discovery/component_discovery.h"

namespace vmx {

Status ResolveJobComponents(ExportConfig& config, VmClient& client) {
  if (!config.job_components.empty() || config.mode != ExportMode::kCluster) return Status::Ok();
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
  for (const auto& [job, component] : config.job_components) obfuscator.SetJobComponent(job, component);
}

}  // namespace vmx
