// Printable: bytes outside printable ASCII as \xNN, so a fuzzer's failure report shows exactly
// what went in. Shared by the fuzz targets.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace vmx::fuzz {

inline std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace vmx::fuzz
