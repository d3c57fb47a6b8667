// `vmimport view`: a private victoria-metrics, the bundle imported into it, and the overview page.
#pragma once

#include <string>
#include <vector>

namespace vmx::importer {

// Parses the flags in `args` (everything after "view"), imports the bundle into a private
// victoria-metrics (or uses -url), serves the overview until SIGINT/SIGTERM, then stops that
// victoria-metrics and removes its storage unless -keep. Returns the exit code.
int RunViewCommand(const std::vector<std::string>& args);

}  // namespace vmx::importer
