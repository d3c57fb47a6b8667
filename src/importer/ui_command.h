// `vmimport` without a subcommand: serve the importer page until SIGINT/SIGTERM.
#pragma once

#include <string>
#include <vector>

namespace vmx::importer {

// Parses the server flags in `args` and runs the importer UI; returns the process exit code.
int RunUiCommand(const std::vector<std::string>& args);

}  // namespace vmx::importer
