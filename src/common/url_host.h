// The host part of URLs: where a call goes (for messages) and whether it stays on this machine.
// On a loopback link, compressing a body costs CPU on both ends and saves nothing, so both
// binaries send and ask for plain bodies there.
#pragma once

#include <string>
#include <string_view>

namespace vmx {

// host[:port] of a URL, without scheme, credentials or path: "vm:8428" for
// "http://u:p@vm:8428/select/0". Text without "://" is read as starting with the host.
std::string HostPortOf(std::string_view url);

// True for http(s) URLs whose host is localhost, 127.x.y.z or [::1] (credentials in the URL are
// ignored; any port and path). Anything else, including unparsable text, is not loopback.
bool IsLoopbackUrl(std::string_view url);

}  // namespace vmx
