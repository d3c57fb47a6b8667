#include "cli/reveal_command.h"

#include <fstream>
#include <iostream>
#include <iterator>

#include "common/vm_flags.h"
#include "infrastructure/obfuscation/pseudonym_reverser.h"

namespace vmx {

int RunRevealCommand(const std::vector<std::string>& args) {
  CLI::App app{"Replaces pseudonyms (777.777.X.Y, vmstorage-job-1, pod-3, …) in the given text, "
               "or in stdin when no text is given, with the originals from a mapping file written "
               "by `vmexporter export -mapping-out` or downloaded from the wizard. Runs locally.",
               "vmexporter reveal"};
  std::string mapping_path;
  std::vector<std::string> text;
  app.add_option("--mapping", mapping_path, "Mapping JSON file (original -> pseudonym)")->required();
  app.add_option("text", text, "Text to translate; stdin when omitted");
  if (auto code = ParseVmFlags(app, args, "Usage: vmexporter reveal -mapping=FILE [TEXT…]")) return *code;

  std::ifstream in(mapping_path);
  if (!in) {
    std::cerr << "error: cannot read -mapping " << mapping_path << "\n";
    return 1;
  }
  nlohmann::json mapping = nlohmann::json::parse(in, nullptr, false);
  Result<PseudonymReverser> reverser =
      mapping.is_discarded() ? Result<PseudonymReverser>(Status::InvalidArgument("not JSON"))
                             : PseudonymReverser::FromMapping(mapping);
  if (!reverser.ok()) {
    std::cerr << "error: -mapping " << mapping_path << ": " << reverser.status().ToString() << "\n";
    return 1;
  }
  if (text.empty()) {
    std::string line;
    while (std::getline(std::cin, line)) std::cout << reverser->Reveal(line) << "\n";
    return 0;
  }
  std::string joined;
  for (const std::string& t : text) joined += (joined.empty() ? "" : " ") + t;
  std::cout << reverser->Reveal(joined) << "\n";
  return 0;
}

}  // namespace vmx
