#include "cli/reveal_command.h"

#include <algorithm>
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
  std::vector<std::string> unknown;
  auto translate = [&](const std::string& line) {
    for (std::string& word : reverser->UnknownPseudonyms(line)) {
      if (std::find(unknown.begin(), unknown.end(), word) == unknown.end()) unknown.push_back(std::move(word));
    }
    std::cout << reverser->Reveal(line) << "\n";
  };
  if (text.empty()) {
    std::string line;
    while (std::getline(std::cin, line)) translate(line);
  } else {
    std::string joined;
    for (const std::string& t : text) joined += (joined.empty() ? "" : " ") + t;
    translate(joined);
  }
  if (!unknown.empty()) {
    // A half-translated answer looks complete; say what was left as it was.
    std::string examples;
    for (size_t i = 0; i < unknown.size() && i < 5; ++i) examples += (i ? ", " : "") + unknown[i];
    std::cerr << "warning: " << unknown.size() << " pseudonym" << (unknown.size() == 1 ? " is" : "s are")
              << " not in -mapping " << mapping_path << " and stayed as they were (" << examples
              << (unknown.size() > 5 ? ", …" : "")
              << "); was this mapping saved by the export that made the bundle?\n";
  }
  return 0;
}

}  // namespace vmx
