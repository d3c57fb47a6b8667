// WindowScheduler: earliest window first, splits in place, a bound on how far fetching runs
// ahead of the assembler (never blocking the window the assembler needs), stop on failure.
#include "application/export/window_scheduler.h"

#include <gtest/gtest.h>

#include <thread>

namespace vmx {
namespace {

std::map<UnixMillis, ScheduledWindow> Windows(int n, int64_t len) {
  std::map<UnixMillis, ScheduledWindow> out;
  for (int i = 0; i < n; ++i)
    out[i * len] =
        ScheduledWindow{{i * len, (i + 1) * len}, ScheduledWindow::State::kPending, {}, {}};
  return out;
}

TEST(WindowScheduler, HandsOutEarliestFirstAndSplitsInPlace) {
  WindowScheduler s;
  s.Load({0, 400}, {10, 0}, Windows(4, 100), 100);
  s.BeginRun();
  std::optional<TimeRange> w = s.Take();
  ASSERT_TRUE(w);
  EXPECT_EQ(w->start_ms, 0);
  ASSERT_TRUE(s.Split(*w));
  w = s.Take();
  EXPECT_EQ(w->start_ms, 0);
  EXPECT_EQ(w->end_ms, 50);
  EXPECT_EQ(s.Snapshot().total, 5u);
  s.Completed(*w, {}, {});
  std::optional<ScheduledWindow> done = s.WaitDone(0);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->range.end_ms, 50);
}

TEST(WindowScheduler, RetryNoteLastsUntilItsWindowGetsThrough) {
  WindowScheduler s;
  s.Load({0, 200}, {10, 0}, Windows(2, 100), 100);
  s.BeginRun();
  std::optional<TimeRange> first = s.Take();
  std::optional<TimeRange> second = s.Take();
  ASSERT_TRUE(first && second);
  s.NoteRetry(*second, {1, std::chrono::milliseconds(1500), Status::Unavailable("refused")});
  EXPECT_NE(s.Snapshot().retry_note.find("refused"), std::string::npos);
  s.Completed(*first, {}, {});  // another window's success says nothing about this one
  EXPECT_NE(s.Snapshot().retry_note.find("(attempt 2, next in 1.5 s)"), std::string::npos)
      << s.Snapshot().retry_note;
  s.Completed(*second, {}, {});
  EXPECT_EQ(s.Snapshot().retry_note, "");
  EXPECT_EQ(s.Snapshot().retries, 1u);
}

TEST(WindowScheduler, FetchingStaysABoundedWayAheadOfTheAssembler) {
  WindowScheduler s;
  s.Load({0, 1000}, {1, 0}, Windows(10, 100), 3);
  s.BeginRun();
  // The assembler waits for window 0; windows 1..3 complete first.
  std::optional<TimeRange> first = s.Take();
  for (int i = 0; i < 2; ++i) s.Completed(*s.Take(), {}, {});
  std::atomic<bool> took{false};
  std::thread worker([&] {
    std::optional<TimeRange> w = s.Take();  // 2 done ahead + 1 running = 3: must wait
    took = true;
    if (w) s.Completed(*w, {}, {});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(took) << "a fourth window may not start before the assembler catches up";
  s.Completed(*first, {}, {});
  ASSERT_TRUE(s.WaitDone(0));
  s.Assembled(100);
  ASSERT_TRUE(s.WaitDone(100));
  s.Assembled(200);
  worker.join();
  EXPECT_TRUE(took);
}

TEST(WindowScheduler, FailureStopsWorkersAndTheAssembler) {
  WindowScheduler s;
  s.Load({0, 200}, {1, 0}, Windows(2, 100), 8);
  s.BeginRun();
  std::optional<TimeRange> w = s.Take();
  s.Fail(Status::Unavailable("gone"));
  EXPECT_FALSE(s.Take());
  EXPECT_FALSE(s.WaitDone(0));
  EXPECT_EQ(s.failure().message(), "gone");
  EXPECT_TRUE(s.stop_flag());
  s.GiveBack(*w);
  s.BeginRun();
  EXPECT_FALSE(s.stop_flag()) << "a new run starts clean";
  EXPECT_TRUE(s.Take());
}

}  // namespace
}  // namespace vmx
