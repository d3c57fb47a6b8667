// vmimport: entry point. Dispatches to the importer UI or a headless command.
#include <string>
#include <vector>

#include "importer/ui_command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return vmx::importer::RunUiCommand(args);
}
