// `vmexporter` without a subcommand: serve the wizard until SIGINT/SIGTERM.
#pragma once

#include <string>
#include <vector>

namespace vmx {

// Parses the server flags in `args` and runs the wizard; returns the process exit code.
int RunWizardCommand(const std::vector<std::string>& args);

}  // namespace vmx
