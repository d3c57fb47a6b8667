// Termination signals for the command-line tools: SIGINT/SIGTERM are taken by one thread with
// sigwait (never by an async handler), so the first one can cancel work cleanly; a second one
// ends the process at once. SIGPIPE is ignored: a closed pipe is a write error (EPIPE) the
// writer handles.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

namespace vmx {

// Blocks SIGINT and SIGTERM (reset to their default action first, even when inherited as
// ignored) in the calling thread and in every thread it starts afterwards, and ignores SIGPIPE.
// Call from main before other threads exist.
void BlockTerminationSignals();

// Waits for SIGINT or SIGTERM (blocked by BlockTerminationSignals) for at most `timeout`
// (forever when nullopt). Returns the signal, or 0 on timeout.
int WaitForTerminationSignal(std::optional<std::chrono::milliseconds> timeout = std::nullopt);

// "SIGINT", "SIGTERM".
const char* SignalName(int sig);

// Starts a detached thread that waits for the first termination signal and calls
// `on_first(sig)`; a second signal ends the process at once with exit code `exit_code`.
void WatchTerminationSignals(std::function<void(int sig)> on_first, int exit_code);

// Starts a detached thread that ends the process with `exit_code` when a termination signal
// arrives or `deadline` passes, whichever is first: the bound on a shutdown already under way.
void ExitOnSecondSignalOrAfter(std::chrono::milliseconds deadline, int exit_code);

}  // namespace vmx
