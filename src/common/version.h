// The version both binaries report (`-version`, /api/health, bundle metadata).
#pragma once

#include <string_view>

namespace vmx {

// Returns the build's version, e.g. "0.1.0-3f2c1ab".
std::string_view Version();

}  // namespace vmx
