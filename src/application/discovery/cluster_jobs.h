// Cluster mode without jobs: vmgather's UI sends `jobs: []` when every chosen component has a
// single job, and scripts leave jobs out to mean "all of them". Both mean every job of the chosen
// components, found by discovery over the export's range (SPEC.md section 4).
#pragma once

#include "common/status.h"
#include "domain/export_config.h"
#include "infrastructure/vm/vm_client.h"

namespace vmx {

// In cluster mode with no jobs, fills config.jobs (and config.job_components) with every job
// discovery finds in config.time_range for config.components, or for every VictoriaMetrics
// component when none is named; jobs without VictoriaMetrics evidence are never added, so this
// never widens an export to the whole tenant. NotFound when nothing matches. Other configs are
// left as they are.
Status ResolveClusterJobs(ExportConfig& config, VmClient& client);

}  // namespace vmx
