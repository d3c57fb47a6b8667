// Loopback detection for URLs: on a loopback link, compressing a body costs CPU on both ends and
// saves nothing, so both binaries send and ask for plain bodies there.
#pragma once

#include <string_view>

namespace vmx {

// True for http(s) URLs whose host is localhost, 127.x.y.z or [::1] (credentials in the URL are
// ignored; any port and path). Anything else, including unparsable text, is not loopback.
bool IsLoopbackUrl(std::string_view url);

}  // namespace vmx
