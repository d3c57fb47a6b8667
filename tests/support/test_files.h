// Small file and shell helpers for tests that run our binaries: whole-file read/write and a
// shell-safe quote.
#pragma once

#include <string>

namespace vmx::testing {

// The whole file, or "" when it cannot be read.
std::string ReadFile(const std::string& path);
// Creates or replaces `path` with `text`.
void WriteFile(const std::string& path, const std::string& text);
// `s` in single quotes for /bin/sh.
std::string ShellQuote(const std::string& s);

}  // namespace vmx::testing
