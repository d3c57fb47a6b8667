// Printable: bytes outside printable ASCII as \xNN, so a fuzzer's failure report shows exactly
// what went in; FailOnLine reports a broken invariant of a line rewriter and aborts. Shared by
// the fuzz targets.
#pragma once

#include <nlohmann/json.hpp>

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

// `line` parsed as JSON when it has VictoriaMetrics' export shape (an object with a "metric"
// object and "values" and "timestamps" arrays); a null json otherwise.
inline nlohmann::json ExportShapedLine(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return nullptr;
  const auto metric = j.find("metric");
  const auto values = j.find("values");
  const auto timestamps = j.find("timestamps");
  if (metric == j.end() || !metric->is_object() || values == j.end() || !values->is_array() ||
      timestamps == j.end() || !timestamps->is_array()) {
    return nullptr;
  }
  return j;
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
