// Address oracle for tests and fuzz targets: finds IPv4/IPv6 addresses left in a scrubbed text,
// written independently of the scrubber's scanner (plain loops over maximal character runs).
#pragma once

#include <arpa/inet.h>

#include <string>
#include <string_view>

namespace vmx::testing {

inline bool OracleIsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool OracleIsWordChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// Returns the first dotted quad of valid octets (0..255, 1-3 digits) that is not part of a
// longer dotted number ("1.2.3.4.5") or a longer digit run; "" when there is none.
inline std::string SurvivingIpv4(std::string_view s) {
  // Split into maximal runs of [0-9.] and look inside each at every 4-part window.
  size_t i = 0;
  while (i < s.size()) {
    if (!OracleIsDigit(s[i]) && s[i] != '.') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && (OracleIsDigit(s[j]) || s[j] == '.')) ++j;
    const std::string_view run = s.substr(i, j - i);
    // Parts of the run between dots; an address is exactly 4 numeric parts not glued to others.
    std::string_view parts[64];
    size_t n = 0;
    size_t start = 0;
    while (n < 64) {
      const size_t dot = run.find('.', start);
      parts[n++] = run.substr(start, dot == std::string_view::npos ? dot : dot - start);
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    for (size_t k = 0; k + 4 <= n; ++k) {
      bool ok = true;
      for (size_t p = k; p < k + 4 && ok; ++p) {
        ok = !parts[p].empty() && parts[p].size() <= 3 && std::stoi(std::string(parts[p])) <= 255;
      }
      // Glued to a number on either side: a version or OID, not an address.
      if (k > 0 && !parts[k - 1].empty()) ok = false;
      if (k + 4 < n && !parts[k + 4].empty()) ok = false;
      if (ok) {
        std::string out(parts[k]);
        for (size_t p = k + 1; p < k + 4; ++p) out += "." + std::string(parts[p]);
        return out;
      }
    }
    i = j;
  }
  return {};
}

inline bool OracleParsesIpv6(std::string_view s) {
  if (s.size() > 45) return false;
  in6_addr a{};
  return inet_pton(AF_INET6, std::string(s).c_str(), &a) == 1;
}

// Returns the first IPv6 literal (a maximal run of [0-9A-Fa-f:.] with 2+ colons and a hex digit,
// not glued to a word, optionally followed by ":port") left in `s`; "" when there is none.
inline std::string SurvivingIpv6(std::string_view s) {
  auto in_run = [](char c) {
    return OracleIsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
           c == '.';
  };
  size_t i = 0;
  while (i < s.size()) {
    if (!in_run(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && in_run(s[j])) ++j;
    const bool glued = (i > 0 && OracleIsWordChar(s[i - 1])) ||
                       (j < s.size() && OracleIsWordChar(s[j]));
    std::string_view run = s.substr(i, j - i);
    while (!run.empty() && run.back() == '.') run.remove_suffix(1);
    size_t colons = 0;
    bool hex = false;
    for (char c : run) {
      colons += c == ':';
      hex |= c != ':' && c != '.';
    }
    if (!glued && colons >= 2 && hex) {
      if (OracleParsesIpv6(run)) return std::string(run);
      const size_t last = run.rfind(':');
      const std::string_view head = run.substr(0, last);
      bool port = last + 1 < run.size() && run.size() - last - 1 <= 5;  // 1 to 5 digits
      for (size_t k = last + 1; k < run.size(); ++k) port &= OracleIsDigit(run[k]);
      size_t head_colons = 0;
      bool head_hex = false;
      for (char c : head) {
        head_colons += c == ':';
        head_hex |= c != ':' && c != '.';
      }
      if (port && head_colons >= 2 && head_hex && OracleParsesIpv6(head)) return std::string(head);
    }
    i = j;
  }
  return {};
}

}  // namespace vmx::testing
