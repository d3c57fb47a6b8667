// Job -> component hints for the Obfuscator: job pseudonyms ("vmstorage-job-1") and IP groups
// (777.777.<component>.Y) must name the component discovery found, not a guess from metric names.
#pragma once

#include "common/status.h"
#include "domain/export_config.h"
#include "infrastructure/obfuscation/obfuscator.h"
#include "infrastructure/vm/vm_client.h"

namespace vmx {

// Fills config.job_components from discovery over config.time_range when it is empty and the
// export is in cluster mode (a single chosen component names all jobs without asking VM).
Status ResolveJobComponents(ExportConfig& config, VmClient& client);

// Tells `obfuscator` every job -> component hint of `config`.
void TeachJobComponents(const ExportConfig& config, Obfuscator& obfuscator);

}  // namespace vmx
