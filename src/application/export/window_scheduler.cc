#include "application/export/window_scheduler.h"

#include <fmt/format.h>

namespace vmx {

void WindowScheduler::Load(const TimeRange& range, const WindowGrid& grid,
                           std::map<UnixMillis, ScheduledWindow> windows, size_t max_ahead) {
  std::lock_guard<std::mutex> lock(mu_);
  range_ = range;
  grid_ = grid;
  windows_ = std::move(windows);
  max_ahead_ = std::max<size_t>(max_ahead, 1);
}

void WindowScheduler::BeginRun() {
  std::lock_guard<std::mutex> lock(mu_);
  canceled_ = false;
  failure_ = Status::Ok();
  stop_ = false;
  queue_.clear();
  running_ = 0;
  size_t done = 0;
  for (auto it = windows_.rbegin(); it != windows_.rend(); ++it) {
    if (it->second.state == ScheduledWindow::State::kDone) {
      ++done;
    } else {
      it->second.state = ScheduledWindow::State::kPending;
      queue_.push_back(it->first);
    }
  }
  // The assembler starts over from the first window (the bundle is written anew each run).
  done_ahead_ = done;
  assembled_until_ = range_.start_ms;
  retries_ = 0;
  retry_note_.clear();
  batch_seconds_total_ = 0;
  batches_timed_ = 0;
  done_at_run_start_ = windows_.empty() ? 0 : static_cast<double>(done) / windows_.size();
}

bool WindowScheduler::MayTakeLocked() const {
  if (queue_.empty()) return false;
  // The window the assembler waits for is always allowed.
  if (queue_.back() <= assembled_until_) return true;
  return done_ahead_ + running_ < max_ahead_;
}

std::optional<TimeRange> WindowScheduler::Take() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] {
    return StoppingLocked() || MayTakeLocked() || (queue_.empty() && running_ == 0);
  });
  if (StoppingLocked() || queue_.empty()) return std::nullopt;
  const UnixMillis start = queue_.back();
  queue_.pop_back();
  ScheduledWindow& w = windows_.at(start);
  w.state = ScheduledWindow::State::kRunning;
  ++running_;
  return w.range;
}

void WindowScheduler::Completed(const TimeRange& range, const WindowStats& stats,
                                std::vector<std::string> jobs) {
  std::lock_guard<std::mutex> lock(mu_);
  --running_;
  ScheduledWindow& w = windows_.at(range.start_ms);
  w.state = ScheduledWindow::State::kDone;
  w.stats = stats;
  w.jobs = std::move(jobs);
  // The window that was being retried got through: the note would only alarm now.
  if (range.start_ms <= retry_window_start_ && retry_window_start_ < range.end_ms) {
    retry_note_.clear();
  }
  last_batch_seconds_ = stats.seconds;
  batch_seconds_total_ += stats.seconds;
  ++batches_timed_;
  ++done_ahead_;
  cv_.notify_all();
}

void WindowScheduler::GiveBack(const TimeRange& range) {
  std::lock_guard<std::mutex> lock(mu_);
  --running_;
  windows_.at(range.start_ms).state = ScheduledWindow::State::kPending;
  cv_.notify_all();
}

bool WindowScheduler::Split(const TimeRange& range) {
  std::optional<std::pair<TimeRange, TimeRange>> halves = SplitWindow(range, grid_);
  std::lock_guard<std::mutex> lock(mu_);
  --running_;
  if (!halves) {
    windows_.at(range.start_ms).state = ScheduledWindow::State::kPending;
    cv_.notify_all();
    return false;
  }
  windows_.erase(range.start_ms);
  windows_[halves->first.start_ms] =
      ScheduledWindow{halves->first, ScheduledWindow::State::kPending, {}, {}};
  windows_[halves->second.start_ms] =
      ScheduledWindow{halves->second, ScheduledWindow::State::kPending, {}, {}};
  queue_.push_back(halves->second.start_ms);
  queue_.push_back(halves->first.start_ms);
  cv_.notify_all();
  return true;
}

void WindowScheduler::Fail(const Status& s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failure_.ok() && !canceled_) failure_ = s;
  stop_ = true;
  cv_.notify_all();
}

void WindowScheduler::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  canceled_ = true;
  stop_ = true;
  cv_.notify_all();
}

void WindowScheduler::NoteRetry(const TimeRange& w, const RetryNote& note) {
  const std::string text =
      fmt::format("retrying window {} .. {} (attempt {}, next in {:.1f} s): {}",
                  FormatRfc3339(w.start_ms), FormatRfc3339(w.end_ms), note.attempt + 1,
                  static_cast<double>(note.delay.count()) / 1000, note.cause.message());
  std::lock_guard<std::mutex> lock(mu_);
  ++retries_;
  retry_note_ = text;
  retry_window_start_ = w.start_ms;
}

std::optional<ScheduledWindow> WindowScheduler::WaitDone(UnixMillis start) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] {
    if (StoppingLocked()) return true;
    auto it = windows_.find(start);
    return it != windows_.end() && it->second.state == ScheduledWindow::State::kDone;
  });
  if (StoppingLocked()) return std::nullopt;
  return windows_.at(start);
}

void WindowScheduler::Assembled(UnixMillis until) {
  std::lock_guard<std::mutex> lock(mu_);
  assembled_until_ = until;
  if (done_ahead_ > 0) --done_ahead_;
  cv_.notify_all();
}

bool WindowScheduler::canceled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return canceled_;
}

Status WindowScheduler::failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

SchedulerSnapshot WindowScheduler::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  SchedulerSnapshot s;
  s.total = windows_.size();
  for (const auto& [start, w] : windows_) {
    if (w.state == ScheduledWindow::State::kDone) {
      ++s.done;
      s.samples_done += w.stats.samples;
    }
    if (w.state == ScheduledWindow::State::kRunning && !s.current) s.current = w.range;
  }
  s.assembled_until = assembled_until_;
  s.retries = retries_;
  s.retry_note = retry_note_;
  s.done_at_run_start = done_at_run_start_;
  s.last_batch_seconds = last_batch_seconds_;
  s.average_batch_seconds = batches_timed_ > 0 ? batch_seconds_total_ / batches_timed_ : 0.0;
  return s;
}

std::vector<ScheduledWindow> WindowScheduler::Windows() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ScheduledWindow> out;
  out.reserve(windows_.size());
  for (const auto& [start, w] : windows_) out.push_back(w);
  return out;
}

}  // namespace vmx
