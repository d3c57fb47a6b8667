// Job -> component hints for the Obfuscator: job pseudonyms ("vmstorage-job-1") and IP groups
// (777.777.<component>.Y) must name the component discovery found, not a guess from metric names.
#pragma once

#include "common/status.h"
#include "domain/export_config.h"
#include "infrastructure/obfuscation/obfuscator.h"
#include "infrastructure/vm/vm_client.h"

namespace vmx {

// Fills config.job_components from discovery over config.time_range when it is empty: in
// cluster mode for the chosen jobs (a single chosen component names all jobs without asking VM),
// in custom selector mode for the VictoriaMetrics jobs the selector reaches.
Status ResolveJobComponents(ExportConfig& config, VmClient& client);

// Tells `obfuscator` every job -> component hint of `config`.
void TeachJobComponents(const ExportConfig& config, Obfuscator& obfuscator);

// Tells `obfuscator`, before the first series is rewritten, what only the whole selection shows:
// the component of every instance of each job in config.job_components (so a host keeps its
// own X wherever it is first seen) and the values of labels replaced as a whole (jobs, identity
// labels) over `match` (empty for a MetricsQL query), so their customer words are learned
// before any value that repeats them. An error means some of it could not be asked; what was
// taught stays.
Status TeachSelection(const ExportConfig& config, VmClient& client,
                      const std::vector<std::string>& match, Obfuscator& obfuscator);

}  // namespace vmx
