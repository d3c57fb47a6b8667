// `vmexporter verify BUNDLE.zip`: checks checksums, structure and leftovers; prints a report.
#pragma once

#include <string>
#include <vector>

namespace vmx {

// Returns 0 when the bundle passes every check, 1 when it does not, 2 on bad usage.
int RunVerifyCommand(const std::vector<std::string>& args);

}  // namespace vmx
