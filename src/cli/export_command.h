// `vmexporter export …`: the headless export (SPEC.md section 8).
#pragma once

#include <string>
#include <vector>

namespace vmx {

// Runs one export from flags; progress on stderr; on success the bundle path is the last line
// on stdout (with -stdout: the JSON lines, and nothing else). Exit codes: 0 success, 1 failure,
// 2 bad usage.
int RunExportCommand(const std::vector<std::string>& args);

}  // namespace vmx
