#include "infrastructure/obfuscation/address_syntax.h"

#include <arpa/inet.h>

#include <algorithm>

namespace vmx {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Reads one IPv4 part (1..3 digits, <= 255) at text[pos]; returns its length or 0.
size_t MatchOctet(std::string_view text, size_t pos) {
  size_t len = 0;
  int value = 0;
  while (pos + len < text.size() && len < 3 && IsDigit(text[pos + len])) {
    value = value * 10 + (text[pos + len] - '0');
    ++len;
  }
  if (len == 0 || value > 255) return 0;
  if (pos + len < text.size() && IsDigit(text[pos + len])) return 0;  // 4+ digits
  return len;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

// True iff `s` is a number 0..255 written with 1..3 digits.
bool IsOctetText(std::string_view s) { return s.size() <= 3 && MatchOctet(s, 0) == s.size(); }

}  // namespace

bool IsHostNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '.' || c == '-';
}

size_t MatchIpv4(std::string_view text) {
  size_t pos = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (pos >= text.size() || text[pos] != '.') return 0;
      ++pos;
    }
    const size_t len = MatchOctet(text, pos);
    if (len == 0) return 0;
    pos += len;
  }
  // "1.2.3.4.5" is a version or an OID, not an address followed by ".5".
  if (pos + 1 < text.size() && text[pos] == '.' && IsDigit(text[pos + 1])) return 0;
  return pos;
}

std::string CanonicalIpv4(std::string_view ipv4) {
  std::string out;
  out.reserve(ipv4.size());
  int value = -1;
  for (char c : ipv4) {
    if (c == '.') {
      out += std::to_string(value < 0 ? 0 : value);
      out += '.';
      value = -1;
    } else {
      value = (value < 0 ? 0 : value) * 10 + (c - '0');
    }
  }
  out += std::to_string(value < 0 ? 0 : value);
  return out;
}

std::optional<std::string> CanonicalIpv6(std::string_view text) {
  const size_t zone = text.find('%');
  if (zone != std::string_view::npos) text = text.substr(0, zone);  // interface names are local
  if (text.size() < 2 || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  const std::string copy(text);
  in6_addr addr{};
  if (inet_pton(AF_INET6, copy.c_str(), &addr) != 1) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&addr)) {
    const uint8_t* b = addr.s6_addr + 12;
    return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
           std::to_string(b[3]);
  }
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, &addr, buf, sizeof(buf)) == nullptr) return std::nullopt;
  return std::string(buf);
}

std::optional<std::string> EmbeddedIpv4(std::string_view host_name) {
  const std::string_view label = host_name.substr(0, host_name.find('.'));
  // Split the first label at '-' and look for four numeric groups in a row.
  std::string_view groups[64];
  size_t count = 0;
  size_t start = 0;
  while (count < 64) {
    const size_t dash = label.find('-', start);
    groups[count++] = label.substr(start, dash == std::string_view::npos ? dash : dash - start);
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  for (size_t i = 0; i + 4 <= count; ++i) {
    if (IsOctetText(groups[i]) && IsOctetText(groups[i + 1]) && IsOctetText(groups[i + 2]) &&
        IsOctetText(groups[i + 3])) {
      return CanonicalIpv4(std::string(groups[i]) + "." + std::string(groups[i + 1]) + "." +
                           std::string(groups[i + 2]) + "." + std::string(groups[i + 3]));
    }
  }
  return std::nullopt;
}

std::string CanonicalHost(std::string_view host) {
  if (!host.empty() && MatchIpv4(host) == host.size()) return CanonicalIpv4(host);
  if (host.find(':') != std::string_view::npos) {
    if (auto v6 = CanonicalIpv6(host)) return *v6;
  }
  if (auto embedded = EmbeddedIpv4(host)) return *embedded;
  std::string out(host);
  while (!out.empty() && out.back() == '.') out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

std::optional<HostPort> SplitHostPort(std::string_view text) {
  if (text.empty()) return std::nullopt;
  auto host_ok = [](std::string_view h) {
    return !h.empty() && std::all_of(h.begin(), h.end(),
                                     [](char c) { return IsHostNameChar(c) || c == '_'; });
  };
  if (text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view host = text.substr(1, close - 1);
    if (!CanonicalIpv6(host)) return std::nullopt;
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return HostPort{host, {}};
    if (rest.front() != ':' || !AllDigits(rest.substr(1)) || rest.size() > 6) return std::nullopt;
    return HostPort{host, rest.substr(1)};
  }
  const size_t colons = static_cast<size_t>(std::count(text.begin(), text.end(), ':'));
  if (colons >= 2) {
    if (!CanonicalIpv6(text)) return std::nullopt;
    return HostPort{text, {}};
  }
  if (colons == 1) {
    const size_t colon = text.find(':');
    const std::string_view host = text.substr(0, colon);
    const std::string_view port = text.substr(colon + 1);
    if (!host_ok(host) || !AllDigits(port) || port.size() > 5) return std::nullopt;
    return HostPort{host, port};
  }
  if (!host_ok(text)) return std::nullopt;
  return HostPort{text, {}};
}

}  // namespace vmx
