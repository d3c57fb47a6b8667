// Address syntax: recognises and normalises the host parts the obfuscation rules replace
// (IPv4, IPv6, host names, cloud host names that embed an IPv4 such as ip-10-1-2-3.…).
//
// Pure functions over borrowed text; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vmx {

// Returns true iff `c` may appear in a DNS host name ([A-Za-z0-9.-]).
bool IsHostNameChar(char c);

// Returns the length of the dotted-quad IPv4 address that starts `text` (each part 0..255,
// at most 3 digits), or 0. A longer dotted number ("1.2.3.4.5") is not an address.
size_t MatchIpv4(std::string_view text);

// Returns `ipv4` (a MatchIpv4 match) without leading zeros: "010.000.0.05" -> "10.0.0.5".
std::string CanonicalIpv4(std::string_view ipv4);

// Returns the canonical text of an IPv6 literal ("FE80:0::1" -> "fe80::1"; IPv4-mapped addresses
// become their IPv4 form), or nothing when `text` (without brackets, zone allowed) is not one.
std::optional<std::string> CanonicalIpv6(std::string_view text);

// Returns the IPv4 address a host name embeds as four dash-separated numbers in its first label
// ("ip-10-1-2-3.eu-west-1.compute.internal" -> "10.1.2.3", "ec2-54-1-2-3…"), or nothing.
std::optional<std::string> EmbeddedIpv4(std::string_view host_name);

// Returns the one form under which a host gets its pseudonym: IPs canonical, embedded IPs
// extracted, names lower-cased without a trailing dot.
std::string CanonicalHost(std::string_view host);

// A host with an optional port, as found in an `instance` value.
struct HostPort {
  std::string_view host;  // without brackets
  std::string_view port;  // digits, or empty
};

// Splits "host:port", "[v6]:port", "v6", "host" into host and port; nothing when `text` is not
// one of those shapes (e.g. it holds spaces, a URL or a path).
std::optional<HostPort> SplitHostPort(std::string_view text);

}  // namespace vmx
