// WindowScheduler: the windows of one export and who works on what. Workers Take() the earliest
// pending window, and report it Completed, Split (VictoriaMetrics found it too big or too slow),
// GivenBack (canceled) or Failed; the assembler waits for windows in time order with WaitDone().
// Workers never run more than `max_ahead` windows ahead of the assembler, which bounds the
// staging space used before the bundle takes it; the window the assembler needs next is always
// allowed, so this cannot deadlock.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "application/export/batch_planner.h"
#include "application/export/retry_policy.h"
#include "application/export/window_fetcher.h"
#include "common/status.h"
#include "domain/time_range.h"

namespace vmx {

struct ScheduledWindow {
  TimeRange range;
  enum class State { kPending, kRunning, kDone } state = State::kPending;
  WindowStats stats;
  std::vector<std::string> jobs;  // job label values written (already rewritten)
};

// What the status view needs, copied under the lock.
struct SchedulerSnapshot {
  size_t total = 0;
  size_t done = 0;
  uint64_t samples_done = 0;
  std::optional<TimeRange> current;  // the earliest running window
  UnixMillis assembled_until = 0;
  uint64_t retries = 0;           // retries of this run so far
  std::string retry_note;         // the latest: "retrying window … (attempt n, next in s): …"
  double done_at_run_start = 0;   // fraction of windows done when the run began
  double last_batch_seconds = 0;  // fetch time of the last window completed
  double average_batch_seconds = 0;  // of the windows completed in this run
};

class WindowScheduler {
 public:
  WindowScheduler() = default;

  // Replaces every window (before a run): `range` is the export's, `grid` where splits may cut.
  void Load(const TimeRange& range, const WindowGrid& grid,
            std::map<UnixMillis, ScheduledWindow> windows, size_t max_ahead);
  // Starts a run: clears the stop state and queues every window not done.
  void BeginRun();

  // Blocks until a window may be fetched; nullopt when the run stops or nothing is left to take.
  std::optional<TimeRange> Take();
  void Completed(const TimeRange& w, const WindowStats& stats, std::vector<std::string> jobs);
  // Puts a window the worker did not finish (canceled) back as pending.
  void GiveBack(const TimeRange& w);
  // Replaces `w` by its halves and queues them; false when it cannot be split any further.
  bool Split(const TimeRange& w);
  // Stops the run with `s` (the first failure wins).
  void Fail(const Status& s);
  // Stops the run because the user asked.
  void Cancel();
  // A retry of window `w` is about to happen.
  void NoteRetry(const TimeRange& w, const RetryNote& note);

  // Blocks until the window starting at `start` is done (returns it) or the run stops (nullopt).
  std::optional<ScheduledWindow> WaitDone(UnixMillis start);
  // The assembler has taken everything before `until`.
  void Assembled(UnixMillis until);

  // True once Cancel() was called in this run. The flag itself is what HTTP calls watch.
  bool canceled() const;
  const std::atomic<bool>& stop_flag() const { return stop_; }
  // The failure that stopped the run (Ok if none).
  Status failure() const;
  SchedulerSnapshot Snapshot() const;
  // A copy of every window, in time order.
  std::vector<ScheduledWindow> Windows() const;

 private:
  bool StoppingLocked() const { return !failure_.ok() || canceled_; }
  bool MayTakeLocked() const;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  TimeRange range_;
  WindowGrid grid_;
  size_t max_ahead_ = 8;
  std::map<UnixMillis, ScheduledWindow> windows_;  // by start; splits replace one entry by two
  std::vector<UnixMillis> queue_;                  // starts of pending windows, next at the back
  size_t running_ = 0;
  size_t done_ahead_ = 0;  // done windows the assembler has not taken yet
  UnixMillis assembled_until_ = 0;
  bool canceled_ = false;
  Status failure_;
  std::atomic<bool> stop_{false};
  uint64_t retries_ = 0;
  std::string retry_note_;
  UnixMillis retry_window_start_ = 0;  // of the window retry_note_ is about
  double done_at_run_start_ = 0;
  double last_batch_seconds_ = 0;
  double batch_seconds_total_ = 0;  // of the windows completed in this run
  uint64_t batches_timed_ = 0;
};

}  // namespace vmx
