// vmexporter: entry point. Dispatches to the wizard or a headless command.
#include <string>
#include <vector>

#include "cli/export_command.h"
#include "cli/oneshot_command.h"
#include "cli/reveal_command.h"
#include "cli/verify_command.h"
#include "cli/wizard_command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const std::string command = args.empty() ? "" : args.front();
  const std::vector<std::string> rest = args.empty() ? args : std::vector<std::string>(args.begin() + 1, args.end());
  if (command == "export") return vmx::RunExportCommand(rest);
  if (command == "verify") return vmx::RunVerifyCommand(rest);
  if (command == "reveal") return vmx::RunRevealCommand(rest);
  if (vmx::IsOneshotInvocation(args)) return vmx::RunOneshotCommand(args);
  return vmx::RunWizardCommand(args);
}
