#include "common/url_host.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace vmx {
namespace {

bool IsIpv4Loopback(std::string_view host) {
  // 127.a.b.c with three more decimal parts of at most three digits each.
  if (host.substr(0, 4) != "127.") return false;
  int parts = 2, digits = 0;  // "127" and the part being read
  for (char ch : host.substr(4)) {
    if (ch == '.') {
      if (digits == 0) return false;
      ++parts;
      digits = 0;
    } else if (std::isdigit(static_cast<unsigned char>(ch)) && digits < 3) {
      ++digits;
    } else {
      return false;
    }
  }
  return parts == 4 && digits > 0;
}

}  // namespace

std::string HostPortOf(std::string_view url) {
  const size_t scheme_end = url.find("://");
  const size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  std::string_view authority = url.substr(start);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  return std::string(authority);
}

bool IsLoopbackUrl(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string lower_scheme(url.substr(0, scheme));
  for (char& ch : lower_scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower_scheme != "http" && lower_scheme != "https") return false;
  std::string host = HostPortOf(url);
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string::npos) return false;
    host.resize(close + 1);
  } else {
    host.resize(std::min(host.size(), host.find(':')));
  }
  for (char& ch : host) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return host == "localhost" || host == "[::1]" || IsIpv4Loopback(host);
}

}  // namespace vmx
