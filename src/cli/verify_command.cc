#include "cli/verify_command.h"

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "application/bundle_verifier.h"
#include "common/vm_flags.h"
#include "infrastructure/obfuscation/leak_guard.h"

namespace vmx {

int RunVerifyCommand(const std::vector<std::string>& args) {
  CLI::App app{
      "Checks a vmexporter bundle: the .sha256 sidecar, the SHA-256 of every entry listed "
      "in metadata.json, the ZIP structure, that metrics.jsonl parses, and - when the "
      "bundle says it is obfuscated - that no address, host name or e-mail is left.",
      "vmexporter verify"};
  std::string bundle;
  std::string mapping_path;
  app.add_option("bundle", bundle, "The bundle ZIP")->required();
  app.add_option(
      "--mapping", mapping_path,
      "The mapping file the export wrote (-mapping-out): also check that none of its originals "
      "appears in any entry (the export's own leak guard, run again)");
  if (auto code = ParseVmFlags(app, args, "Usage: vmexporter verify [-mapping=FILE] BUNDLE.zip"))
    return *code;
  BundleVerifyOptions options;
  if (!mapping_path.empty()) {
    std::ifstream in(mapping_path);
    const nlohmann::json mapping = nlohmann::json::parse(in, nullptr, false);
    if (!in.is_open() || mapping.is_discarded() || !mapping.is_object()) {
      std::cerr << "error: cannot read the mapping " << mapping_path
                << ": expected the JSON object vmexporter export -mapping-out wrote\n";
      return 1;
    }
    options.originals = LeakGuard::OriginalsInMapping(mapping);
  }
  Result<BundleVerification> v = VerifyBundle(bundle, options);
  if (!v.ok()) {
    std::cerr << "error: " << v.status().ToString() << "\n";
    return 1;
  }
  std::cout << v->ToText();
  return v->ok() ? 0 : 1;
}

}  // namespace vmx
