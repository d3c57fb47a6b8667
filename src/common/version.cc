#include "common/version.h"

namespace vmx {

std::string_view Version() { return VMX_VERSION; }

}  // namespace vmx
