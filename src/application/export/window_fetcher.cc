#include "application/export/window_fetcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "application/export/query_range_lines.h"
#include "common/http_client.h"
#include "common/line_splitter.h"

namespace vmx {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool IsTooManyRequests(const std::string& lower) {
  return lower.find("429") != std::string::npos || lower.find("too many requests") != std::string::npos;
}

// Buffered writes of one window's lines to its staging file.
class StagingFile {
 public:
  explicit StagingFile(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "wb")) {}
  ~StagingFile() {
    if (f_ != nullptr) std::fclose(f_);
  }
  Status OpenStatus() const {
    if (f_ != nullptr) return Status::Ok();
    return Status::Internal(fmt::format("cannot create staging file {}: {}", path_, std::strerror(errno)),
                            "set staging_dir to a writable directory with free space");
  }
  std::string& buffer() { return buf_; }
  Status MaybeFlush() { return buf_.size() >= kFlushBytes ? Flush() : Status::Ok(); }
  Status Flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) {
      return Status::Internal(fmt::format("cannot write staging file {}: {}", path_, std::strerror(errno)),
                              "check free space in the staging dir");
    }
    buf_.clear();
    return Status::Ok();
  }
  Status Close() {
    Status s = Flush();
    if (std::fclose(f_) != 0 && s.ok()) s = Status::Internal("cannot close staging file " + path_);
    f_ = nullptr;
    return s;
  }

 private:
  std::string path_;
  FILE* f_;
  std::string buf_;
};

// Sleeps `d` unless the job is canceled first.
void SleepUnlessCanceled(std::chrono::milliseconds d, const std::atomic<bool>& canceled) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!canceled && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

bool NeedsSplit(const Status& s) {
  if (s.ok() || s.code() == StatusCode::kCanceled) return false;
  const std::string m = Lower(s.message());
  if (IsTooManyRequests(m)) return false;
  return s.code() == StatusCode::kTimeout || s.code() == StatusCode::kTooLarge ||
         m.find("too many") != std::string::npos || m.find("search.max") != std::string::npos ||
         m.find("exceeds") != std::string::npos ||
         m.find("cannot find tag filters matching less than") != std::string::npos;
}

bool IsRetryable(const Status& s) {
  if (s.ok() || s.code() == StatusCode::kCanceled) return false;
  const std::string m = Lower(s.message());
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kTimeout ||
         s.code() == StatusCode::kInternal || IsTooManyRequests(m) ||
         m.find("connection") != std::string::npos;
}

WindowFetcher::WindowFetcher(FetchShared* shared, std::shared_ptr<Obfuscator> obfuscator, int64_t step_ms)
    : shared_(shared), rewriter_(std::move(obfuscator), step_ms) {}

Status WindowFetcher::FetchOnce(const TimeRange& w, const std::string& path, WindowStats* stats,
                                std::atomic<uint64_t>* live_lines, Route* used) {
  StagingFile file(path);
  if (Status s = file.OpenStatus(); !s.ok()) return s;
  const uint64_t lines_before = rewriter_.lines();
  const uint64_t samples_before = rewriter_.samples();
  uint64_t counted = 0;
  const auto on_line = [&](std::string_view line) -> Status {
    if (Status s = rewriter_.Rewrite(line, &file.buffer()); !s.ok()) return s;
    ++counted;
    live_lines->fetch_add(1, std::memory_order_relaxed);
    return file.MaybeFlush();
  };
  Status result;
  if (shared_->use_query_range || shared_->selection.metricsql) {
    *used = Route::kQueryRange;
    // query_range includes both ends; end-1ms keeps the window half-open.
    Result<nlohmann::json> data = shared_->client->QueryRange(
        shared_->selection.match, TimeRange{w.start_ms, w.end_ms - 1}, shared_->query_range_step_s);
    result = data.ok() ? QueryRangeToExportLines(*data, on_line) : data.status();
  } else {
    LineSplitter splitter;
    Status line_error;
    // /api/v1/export includes both ends; end-1ms keeps the window half-open.
    *used = shared_->use_rw_fallback ? Route::kRwFallbackExport : Route::kExport;
    VmClient* exporter = *used == Route::kRwFallbackExport ? shared_->rw_fallback_client : shared_->client;
    result = exporter->Export({shared_->selection.match}, w.start_ms, w.end_ms - 1,
                                     [&](std::string_view chunk) {
                                       if (shared_->canceled) return false;
                                       line_error = splitter.Feed(chunk, on_line);
                                       return line_error.ok();
                                     });
    if (!line_error.ok()) result = line_error;
    if (result.ok()) result = splitter.Finish(on_line);
  }
  if (shared_->canceled) result = Status::Canceled();
  if (result.ok()) result = file.Close();
  if (!result.ok()) {
    live_lines->fetch_sub(counted, std::memory_order_relaxed);
    return result;
  }
  stats->lines = rewriter_.lines() - lines_before;
  stats->samples = rewriter_.samples() - samples_before;
  return Status::Ok();
}

Status WindowFetcher::Fetch(const TimeRange& w, const std::string& path, WindowStats* stats,
                            std::atomic<uint64_t>* live_lines) {
  const RetryPolicy& retry = shared_->retry;
  std::chrono::milliseconds backoff = retry.first_backoff;
  Status last;
  for (int attempt = 1; attempt <= retry.attempts; ++attempt) {
    Route used = Route::kExport;
    last = FetchOnce(w, path, stats, live_lines, &used);
    if (last.ok() || last.code() == StatusCode::kCanceled) return last;
    if (used != Route::kQueryRange && IsMissingExportRoute(last)) {
      // Remembered for the whole job: later windows go straight to the next route. Routes only
      // move forward (export, export without /rw, query_range), so this ends.
      if (used == Route::kExport && shared_->rw_fallback_client != nullptr) {
        shared_->use_rw_fallback = true;
      } else {
        shared_->use_query_range = true;
      }
      --attempt;
      continue;
    }
    if (NeedsSplit(last) || !IsRetryable(last)) break;
    if (attempt < retry.attempts) {
      SleepUnlessCanceled(backoff, shared_->canceled);
      backoff = std::min(backoff * 2, retry.max_backoff);
    } else {
      last = last.Wrap(fmt::format("gave up after {} attempts", retry.attempts));
    }
  }
  std::remove(path.c_str());
  return last.Wrap(fmt::format("cannot export window {}..{} from {}", FormatRfc3339(w.start_ms),
                               FormatRfc3339(w.end_ms), RedactUrl(shared_->client->connection().full_api_url)));
}

}  // namespace vmx
