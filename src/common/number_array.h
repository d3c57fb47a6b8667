// Sample arrays as VictoriaMetrics writes them in /api/v1/export lines ("[1,2.5,-3e-7]"): one
// pass that tells whether the bytes between the brackets are plain numbers and counts their
// elements. 16 bytes at a time (SSE2); the exporter's rewriter and leak guard run it over every
// sample of an export.
#pragma once

#include <cstdint>
#include <string_view>

namespace vmx {

struct NumberArrayScan {
  // Every byte is a digit, '.', 'e', 'E', '+', '-' or ',', with at most one '.' between two
  // commas: no string, bracket, word or address can hide in the text.
  bool plain = false;
  uint64_t commas = 0;  // counted to the end only when plain
};

// Scans `inner`, the text between an array's brackets.
NumberArrayScan ScanNumberArray(std::string_view inner);

}  // namespace vmx
