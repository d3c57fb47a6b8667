#include "application/export/retry_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <thread>

namespace vmx {

bool IsTransient(const Status& s) {
  switch (s.kind()) {
    case ErrorKind::kConnectRefused:
    case ErrorKind::kConnectTimeout:
    case ErrorKind::kStalled:
    case ErrorKind::kConnectionReset:
    case ErrorKind::kTruncatedBody:
    case ErrorKind::kVmBusy:
      return true;
    case ErrorKind::kHttpStatus:
      return s.upstream_status() == 429 || s.upstream_status() >= 500;
    default:
      return false;
  }
}

bool IsUnreachable(const Status& s) {
  return s.kind() == ErrorKind::kConnectRefused || s.kind() == ErrorKind::kConnectTimeout;
}

bool NeedsSplit(const Status& s) {
  return s.kind() == ErrorKind::kVmTooBig || s.kind() == ErrorKind::kVmQueryTimeout;
}

Backoff::Backoff(const RetryPolicy& policy)
    : policy_(policy), started_(std::chrono::steady_clock::now()), backoff_(policy.first_backoff) {}

std::optional<std::chrono::milliseconds> Backoff::Next() {
  if (policy_.max_attempts > 0 && attempts_ >= policy_.max_attempts) return std::nullopt;
  const auto elapsed = std::chrono::steady_clock::now() - started_;
  if (elapsed >= policy_.max_time) return std::nullopt;
  // Jitter spreads the retries of parallel workers (and of other clients after the same outage).
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const int64_t full = std::max<int64_t>(backoff_.count(), 1);
  std::chrono::milliseconds delay(
      full / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(full / 2 + 1)));
  // The last pause ends when the time is up, so one more attempt is made at the deadline.
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(policy_.max_time - elapsed);
  delay = std::min(delay, left);
  backoff_ = std::min(backoff_ * 2, policy_.max_backoff);
  ++attempts_;
  return delay;
}

std::string Backoff::GaveUpText() const {
  const auto s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
  return fmt::format("gave up after {} attempts in {}s (-retry.maxTime={}s)", attempts_, s.count(),
                     std::chrono::duration_cast<std::chrono::seconds>(policy_.max_time).count());
}

void SleepUnlessCanceled(std::chrono::milliseconds d, const std::atomic<bool>& canceled) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!canceled && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(20), until - std::chrono::steady_clock::now()));
  }
}

Status CallWithRetries(const RetryPolicy& policy, const std::atomic<bool>& canceled,
                       const std::function<Status()>& call,
                       const std::function<void(const RetryNote&)>& on_retry) {
  Backoff backoff(policy);
  while (true) {
    if (canceled) return Status::Canceled();
    Status s = call();
    if (s.ok() || s.code() == StatusCode::kCanceled) return s;
    if (canceled) return Status::Canceled();
    if (!IsTransient(s)) return s;
    if (!policy.retry_unreachable && IsUnreachable(s)) return s;
    const int attempt = backoff.attempts();
    std::optional<std::chrono::milliseconds> delay = backoff.Next();
    if (!delay) return s.Wrap(backoff.GaveUpText());
    if (on_retry) on_retry({attempt, *delay, s});
    SleepUnlessCanceled(*delay, canceled);
  }
}

}  // namespace vmx
