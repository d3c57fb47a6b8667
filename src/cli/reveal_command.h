// `vmexporter reveal -mapping=FILE TEXT…`: turns pseudonyms in support's answer back into the
// original names, locally.
#pragma once

#include <string>
#include <vector>

namespace vmx {

// Returns 0 on success, 1 when the mapping cannot be read, 2 on bad usage.
int RunRevealCommand(const std::vector<std::string>& args);

}  // namespace vmx
