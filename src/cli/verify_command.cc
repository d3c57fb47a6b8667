#include "cli/verify_command.h"

#include <iostream>

#include "application/bundle_verifier.h"
#include "common/vm_flags.h"

namespace vmx {

int RunVerifyCommand(const std::vector<std::string>& args) {
  CLI::App app{"Checks a vmexporter bundle: the .sha256 sidecar, the SHA-256 of every entry listed "
               "in metadata.json, the ZIP structure, that metrics.jsonl parses, and - when the "
               "bundle says it is obfuscated - that no address, host name or e-mail is left.",
               "vmexporter verify"};
  std::string bundle;
  app.add_option("bundle", bundle, "The bundle ZIP")->required();
  if (auto code = ParseVmFlags(app, args, "Usage: vmexporter verify BUNDLE.zip")) return *code;
  Result<BundleVerification> v = VerifyBundle(bundle);
  if (!v.ok()) {
    std::cerr << "error: " << v.status().ToString() << "\n";
    return 1;
  }
  std::cout << v->ToText();
  return v->ok() ? 0 : 1;
}

}  // namespace vmx
