#include "application/discovery/cluster_jobs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "application/discovery/component_discovery.h"

namespace vmx {

Status ResolveClusterJobs(ExportConfig& config, VmClient& client) {
  if (config.mode != ExportMode::kCluster || !config.jobs.empty()) return Status::Ok();
  DiscoveryOptions options;
  options.count_series = false;
  Result<DiscoveryReport> report = DiscoverComponents(client, config.time_range, options);
  if (!report.ok())
    return report.status().Wrap("cannot discover the jobs of the chosen components");
  const auto chosen = [&](const std::string& component) {
    return config.components.empty() ||
           std::find(config.components.begin(), config.components.end(), component) !=
               config.components.end();
  };
  for (const DiscoveredComponent& c : report->components) {
    if (!chosen(c.component)) continue;
    config.jobs.insert(config.jobs.end(), c.jobs.begin(), c.jobs.end());
    for (const std::string& job : c.jobs) config.job_components[job] = c.component;
  }
  if (config.jobs.empty()) {
    return Status::NotFound(
        config.components.empty()
            ? "no VictoriaMetrics component stored its own metrics in the chosen range"
            : fmt::format("none of the components {} stored its own metrics in the chosen range",
                          fmt::join(config.components, ", ")),
        "widen the time range, choose components that /api/discover lists, or name the jobs");
  }
  spdlog::info("exporting {} jobs of the {} components found in the range", config.jobs.size(),
               config.components.empty() ? "VictoriaMetrics" : "chosen");
  return Status::Ok();
}

}  // namespace vmx
