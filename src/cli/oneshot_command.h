// vmgather's scripted form at top level: `vmexporter -oneshot -oneshot-config FILE|-
// [-export-stdout]
// [-output DIR]` runs one headless export (as `vmexporter export` does), exiting 1 on any failure,
// bad input included, as vmgather does.
#pragma once

#include <string>
#include <vector>

namespace vmx {

// True when the top-level arguments ask for -oneshot (in any VictoriaMetrics flag spelling).
bool IsOneshotInvocation(const std::vector<std::string>& args);

// Runs the export that `args` describe; the wizard-only flags vmgather scripts may carry beside
// -oneshot (-addr, -no-browser) are ignored. Returns the process exit code: 0 or 1.
int RunOneshotCommand(const std::vector<std::string>& args);

}  // namespace vmx
