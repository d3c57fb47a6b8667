// Printable: bytes outside printable ASCII as \xNN, so a fuzzer's failure report shows exactly
// what went in; FailOnLine reports a broken invariant of a line rewriter and aborts. Shared by
// the fuzz targets.
#pragma once

#include <cstdio>
#include <cstdlib>
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

// Prints "<target>: <what>" with the input line and the output, then aborts (libFuzzer keeps the
// input as a crash artifact).
[[noreturn]] inline void FailOnLine(const char* target, const char* what, std::string_view line,
                                    std::string_view out) {
  std::fprintf(stderr, "%s: %s\n  line:   '%s'\n  output: '%s'\n", target, what, Printable(line).c_str(),
               Printable(out).c_str());
  std::abort();
}

}  // namespace vmx::fuzz
