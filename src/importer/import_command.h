// `vmimport import`: the headless import. Progress on stderr, the summary on stdout.
#pragma once

#include <string>
#include <vector>

namespace vmx::importer {

// Parses the flags in `args` (everything after "import") and runs one import. Returns the exit
// code: 0 when everything was imported and verified, 1 on failure, 2 on bad usage.
int RunImportCommand(const std::vector<std::string>& args);

}  // namespace vmx::importer
