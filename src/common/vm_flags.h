// VictoriaMetrics-style command-line flags on top of CLI11.
//
// VictoriaMetrics binaries accept `-flag=value`, `-flag value` and `--flag value` and print
// `-help` as one indented block per flag. CLI11 does the parsing; this file adapts the argument
// syntax and the help layout.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace vmx {

// Rewrites VictoriaMetrics-style arguments into the `--name=value` form CLI11 parses.
// Only names that `app` defines are rewritten, so values such as `-24h` pass through untouched.
std::vector<std::string> NormalizeVmStyleArgs(const CLI::App& app, std::vector<std::string> args);

// Returns the VictoriaMetrics-style help text for every flag of `app`, sorted by name.
std::string VmStyleHelp(const CLI::App& app, const std::string& usage_line);

// Adds the `-help` and `-version` flags, normalises `args` and parses them.
// Returns an exit code when the program should stop now (help or version printed: 0;
// bad usage: 2, with the error and a pointer to -help on stderr), std::nullopt to go on.
std::optional<int> ParseVmFlags(CLI::App& app, const std::vector<std::string>& args,
                                const std::string& usage_line);

}  // namespace vmx
