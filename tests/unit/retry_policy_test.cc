// RetryPolicy: which failures are retried, which split a window, and how long retrying lasts.
#include "application/export/retry_policy.h"

#include <gtest/gtest.h>

#include <atomic>

namespace vmx {
namespace {

Status Answer(int http, ErrorKind kind) {
  return Status::Unavailable("HTTP " + std::to_string(http)).WithKind(kind, http);
}

TEST(RetryPolicy, TransportKinds429And5xxAreTransient) {
  for (ErrorKind k : {ErrorKind::kConnectRefused, ErrorKind::kConnectTimeout, ErrorKind::kStalled,
                      ErrorKind::kConnectionReset, ErrorKind::kTruncatedBody}) {
    EXPECT_TRUE(IsTransient(Status::Unavailable("x").WithKind(k))) << ErrorKindName(k);
    EXPECT_FALSE(NeedsSplit(Status::Unavailable("x").WithKind(k)))
        << "a stall is retried, never split";
  }
  EXPECT_TRUE(IsTransient(Answer(429, ErrorKind::kHttpStatus)));
  EXPECT_TRUE(IsTransient(Answer(503, ErrorKind::kHttpStatus)));
  EXPECT_TRUE(IsTransient(Answer(400, ErrorKind::kVmBusy))) << "a busy VictoriaMetrics is retried";
  EXPECT_FALSE(NeedsSplit(Answer(400, ErrorKind::kVmBusy))) << "and never split";
  EXPECT_FALSE(IsTransient(Answer(400, ErrorKind::kVmBadRequest))) << "a plain 400 is not retried";
  EXPECT_FALSE(IsTransient(Answer(404, ErrorKind::kVmMissingRoute)));
  EXPECT_FALSE(IsTransient(Status::Storage("disk full")));
  EXPECT_FALSE(IsTransient(Status::Canceled()));
}

TEST(RetryPolicy, OnlyVictoriaMetricsTooBigOrTooSlowSplits) {
  EXPECT_TRUE(NeedsSplit(Answer(422, ErrorKind::kVmTooBig)));
  EXPECT_TRUE(NeedsSplit(Answer(503, ErrorKind::kVmQueryTimeout)));
  EXPECT_FALSE(NeedsSplit(Answer(429, ErrorKind::kHttpStatus)));
  // The message names a tenant 1429 and "too many": the kind decides, not the words.
  EXPECT_FALSE(NeedsSplit(Status::TooLarge("cannot export from /select/1429/: too many series")));
  EXPECT_FALSE(IsTransient(Status::Unavailable("connection to /select/1429/ failed")));
}

TEST(RetryPolicy, BackoffGrowsWithJitterAndStopsAtMaxTime) {
  RetryPolicy p{.first_backoff = std::chrono::milliseconds(100),
                .max_backoff = std::chrono::milliseconds(400),
                .max_time = std::chrono::milliseconds(60'000)};
  Backoff b(p);
  std::vector<int64_t> delays;
  for (int i = 0; i < 6; ++i) delays.push_back(b.Next()->count());
  EXPECT_GE(delays[0], 50);
  EXPECT_LE(delays[0], 100);
  EXPECT_GE(delays[2], 200);
  for (int64_t d : delays) EXPECT_LE(d, 400) << "capped";
  EXPECT_EQ(b.attempts(), 7);

  Backoff limited({.first_backoff = std::chrono::milliseconds(1),
                   .max_time = std::chrono::milliseconds(60'000),
                   .max_attempts = 3});
  EXPECT_TRUE(limited.Next());
  EXPECT_TRUE(limited.Next());
  EXPECT_FALSE(limited.Next());
  EXPECT_NE(limited.GaveUpText().find("gave up after 3 attempts"), std::string::npos);
}

TEST(RetryPolicy, CallWithRetriesRetriesTransientUntilSuccessAndReportsEachRetry) {
  std::atomic<bool> canceled{false};
  int calls = 0, notes = 0;
  Status s = CallWithRetries(
      {.first_backoff = std::chrono::milliseconds(1), .max_backoff = std::chrono::milliseconds(2)},
      canceled, [&] { return ++calls < 4 ? Answer(503, ErrorKind::kHttpStatus) : Status::Ok(); },
      [&](const RetryNote& n) {
        ++notes;
        EXPECT_EQ(n.attempt, notes);
      });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(notes, 3);
  calls = 0;
  s = CallWithRetries({}, canceled, [&] {
    ++calls;
    return Answer(400, ErrorKind::kVmBadRequest);
  });
  EXPECT_EQ(calls, 1) << "not transient: returned at once";
  EXPECT_EQ(s.kind(), ErrorKind::kVmBadRequest);
  canceled = true;
  EXPECT_EQ(CallWithRetries({}, canceled, [] { return Status::Ok(); }).code(),
            StatusCode::kCanceled);
}

TEST(RetryPolicy, WrapKeepsTheKind) {
  const Status s = Answer(429, ErrorKind::kHttpStatus).Wrap("cannot export window");
  EXPECT_EQ(s.kind(), ErrorKind::kHttpStatus);
  EXPECT_EQ(s.upstream_status(), 429);
  EXPECT_TRUE(IsTransient(s));
}

}  // namespace
}  // namespace vmx
