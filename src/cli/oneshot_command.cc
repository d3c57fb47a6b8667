#include "cli/oneshot_command.h"

#include "cli/export_command.h"

namespace vmx {
namespace {

// "-name", "--name", "-name=…" and "--name=…" all name the flag `name`.
bool Names(const std::string& arg, const std::string& name) {
  size_t i = 0;
  while (i < arg.size() && i < 2 && arg[i] == '-') ++i;
  if (i == 0) return false;
  const std::string rest = arg.substr(i);
  return rest == name || rest.rfind(name + "=", 0) == 0;
}

}  // namespace

bool IsOneshotInvocation(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (Names(arg, "oneshot") && arg.find("=false") == std::string::npos) return true;
  }
  return false;
}

int RunOneshotCommand(const std::vector<std::string>& args) {
  std::vector<std::string> export_args;
  for (size_t i = 0; i < args.size(); ++i) {
    if (Names(args[i], "no-browser")) continue;
    if (Names(args[i], "addr")) {
      if (args[i].find('=') == std::string::npos) ++i;  // "-addr HOST:PORT": skip the value too
      continue;
    }
    export_args.push_back(args[i]);
  }
  return RunExportCommand(export_args) == 0 ? 0 : 1;
}

}  // namespace vmx
