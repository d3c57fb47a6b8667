// vmexporter: entry point. Dispatches to the wizard or a headless command.
#include <string>
#include <vector>

#include "cli/wizard_command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return vmx::RunWizardCommand(args);
}
