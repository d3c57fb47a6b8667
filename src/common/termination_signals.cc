#include "common/termination_signals.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <thread>

namespace vmx {
namespace {

sigset_t TerminationSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

void ExitNow(int sig, int exit_code) {
  // Async-signal-safe: write(2) and _exit(2) only; nothing may wait for the stuck work.
  static constexpr char kInt[] = "received SIGINT again; exiting at once\n";
  static constexpr char kTerm[] = "received SIGTERM again; exiting at once\n";
  static constexpr char kLate[] = "shutdown took too long; exiting at once\n";
  const char* text = sig == SIGINT ? kInt : sig == SIGTERM ? kTerm : kLate;
  const size_t size = sig == SIGINT ? sizeof(kInt) : sig == SIGTERM ? sizeof(kTerm) : sizeof(kLate);
  ssize_t ignored = ::write(STDERR_FILENO, text, size - 1);
  (void)ignored;
  ::_exit(exit_code);
}

}  // namespace

void BlockTerminationSignals() {
  // A shell starts background jobs with SIGINT ignored, and an ignored signal is never taken by
  // sigwait: `vmexporter export … &` and `kill -INT` must still cancel cleanly.
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  const sigset_t set = TerminationSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

int WaitForTerminationSignal(std::optional<std::chrono::milliseconds> timeout) {
  const sigset_t set = TerminationSet();
  while (true) {
    int sig = 0;
    if (!timeout) {
      if (sigwait(&set, &sig) == 0) return sig;
      continue;
    }
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(*timeout);
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(*timeout - secs);
    const timespec ts{static_cast<time_t>(secs.count()), static_cast<long>(nanos.count())};
    sig = sigtimedwait(&set, nullptr, &ts);
    if (sig > 0) return sig;
    if (errno == EAGAIN) return 0;
    // EINTR: another signal interrupted the wait; wait again (a little longer is fine).
  }
}

const char* SignalName(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal";
}

void WatchTerminationSignals(std::function<void(int sig)> on_first, int exit_code) {
  std::thread([on_first = std::move(on_first), exit_code] {
    on_first(WaitForTerminationSignal());
    ExitNow(WaitForTerminationSignal(), exit_code);
  }).detach();
}

void ExitOnSecondSignalOrAfter(std::chrono::milliseconds deadline, int exit_code) {
  std::thread([deadline, exit_code] {
    ExitNow(WaitForTerminationSignal(deadline), exit_code);
  }).detach();
}

}  // namespace vmx
