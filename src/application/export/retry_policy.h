// RetryPolicy: how an export rides out a VictoriaMetrics restart, a rolling update or a proxy
// hiccup. Transient failures (refused or reset connections, connect timeouts, stalls, cut
// bodies, a busy VictoriaMetrics, 429 and 5xx) are retried with capped exponential backoff and
// jitter until the policy's time is up; everything else is returned at once. The decisions read
// Status::kind(), never the message.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>

#include "common/status.h"

namespace vmx {

struct RetryPolicy {
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{30'000};
  // -retry.maxTime: how long one call (one window, one count) keeps retrying.
  std::chrono::milliseconds max_time{600'000};
  int max_attempts = 0;  // 0: only max_time limits
  // False before an export has fetched anything: a VictoriaMetrics that refuses connections or
  // never answers the connect then is far more likely a wrong URL or port than an outage, and
  // the user should hear so at once, not after -retry.maxTime.
  bool retry_unreachable = true;
};

// True for failures worth repeating unchanged: the transport kinds, a busy VictoriaMetrics,
// 429 and 5xx answers.
bool IsTransient(const Status& s);
// True when nothing answered at all: connection refused, host unreachable or connect timeout.
bool IsUnreachable(const Status& s);
// True when VictoriaMetrics itself refused a window as too big or too slow: halving it is the fix.
bool NeedsSplit(const Status& s);

// One retry about to happen, for status lines: "retrying … (attempt n, next in s): reason".
struct RetryNote {
  int attempt = 0;  // the attempt that failed, from 1
  std::chrono::milliseconds delay{0};
  Status cause;
};

// The waits between attempts of one call. Not thread-safe; one per call.
class Backoff {
 public:
  explicit Backoff(const RetryPolicy& policy);
  // The pause before the next attempt, or nullopt when the policy's time or attempts are used up.
  std::optional<std::chrono::milliseconds> Next();
  int attempts() const { return attempts_; }
  // "gave up after 7 attempts in 10m2s".
  std::string GaveUpText() const;

 private:
  RetryPolicy policy_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::milliseconds backoff_;
  int attempts_ = 1;
};

// Sleeps `d` unless `canceled` turns true first (checked every 20 ms).
void SleepUnlessCanceled(std::chrono::milliseconds d, const std::atomic<bool>& canceled);

// Runs `call` until it succeeds, fails for good, `canceled` turns true (Status::Canceled) or the
// policy gives up (the last error, wrapped with the attempts). `on_retry` hears every retry.
Status CallWithRetries(const RetryPolicy& policy, const std::atomic<bool>& canceled,
                       const std::function<Status()>& call,
                       const std::function<void(const RetryNote&)>& on_retry = {});

}  // namespace vmx
