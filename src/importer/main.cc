// vmimport: entry point. Dispatches to the importer UI or a headless command.
#include <string>
#include <vector>

#include "importer/import_command.h"
#include "importer/ui_command.h"
#include "importer/view_command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args.front() == "import") {
    return vmx::importer::RunImportCommand({args.begin() + 1, args.end()});
  }
  if (!args.empty() && args.front() == "view") {
    return vmx::importer::RunViewCommand({args.begin() + 1, args.end()});
  }
  return vmx::importer::RunUiCommand(args);
}
