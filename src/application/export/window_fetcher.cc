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
#include "infrastructure/archive/raw_deflater.h"

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

// Buffered writes of one window's lines to its two staging files: the text and the deflated
// piece the bundle is assembled from.
class StagingFiles {
 public:
  StagingFiles(const StagingArea& staging, const TimeRange& w, int level)
      : text_path_(staging.PartPath(w)),
        deflated_path_(staging.DeflatedPartPath(w)),
        text_(std::fopen(text_path_.c_str(), "wb")),
        deflated_(std::fopen(deflated_path_.c_str(), "wb")),
        deflater_(level) {}
  ~StagingFiles() {
    if (text_ != nullptr) std::fclose(text_);
    if (deflated_ != nullptr) std::fclose(deflated_);
  }
  Status OpenStatus() const {
    if (text_ != nullptr && deflated_ != nullptr) return Status::Ok();
    return Status::Storage(
        fmt::format("cannot create staging file {}: {}", text_ == nullptr ? text_path_ : deflated_path_,
                    std::strerror(errno)),
        "set staging_dir to a writable directory with free space");
  }
  std::string& buffer() { return buf_; }
  Status MaybeFlush() { return buf_.size() >= kFlushBytes ? Flush() : Status::Ok(); }
  Status Flush() {
    if (buf_.empty()) return Status::Ok();
    zbuf_.clear();
    if (Status s = deflater_.Append(buf_, &zbuf_); !s.ok()) return s;
    if (Status s = Put(text_, text_path_, buf_); !s.ok()) return s;
    buf_.clear();
    return Put(deflated_, deflated_path_, zbuf_);
  }
  // Flushes, ends the deflated piece and closes both files; fills the byte counts and CRC.
  Status Close(WindowStats* stats) {
    Status s = Flush();
    zbuf_.clear();
    if (s.ok()) s = deflater_.Finish(&zbuf_);
    if (s.ok()) s = Put(deflated_, deflated_path_, zbuf_);
    for (auto [f, path] : {std::pair{&text_, &text_path_}, std::pair{&deflated_, &deflated_path_}}) {
      if (std::fclose(*f) != 0 && s.ok()) s = WriteError(*path);
      *f = nullptr;
    }
    stats->bytes = deflater_.uncompressed_bytes();
    stats->crc32 = deflater_.crc32();
    stats->deflated_bytes = deflated_bytes_;
    return s;
  }

 private:
  Status Put(FILE* f, const std::string& path, const std::string& data) {
    if (!data.empty() && std::fwrite(data.data(), 1, data.size(), f) != data.size()) return WriteError(path);
    if (f == deflated_) deflated_bytes_ += data.size();
    return Status::Ok();
  }
  static Status WriteError(const std::string& path) {
    return Status::Storage(fmt::format("cannot write staging file {}: {}", path, std::strerror(errno)),
                            "free space in the staging dir (or set staging_dir elsewhere), then resume");
  }

  std::string text_path_;
  std::string deflated_path_;
  FILE* text_;
  FILE* deflated_;
  RawDeflater deflater_;
  uint64_t deflated_bytes_ = 0;
  std::string buf_;
  std::string zbuf_;
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
  // Decided on kinds: StatusFromVmAnswer read VictoriaMetrics' words once. A busy server's answer
  // names -search.maxConcurrentRequests too, but it is kUnavailable: retried, never split (split
  // windows only queue up behind the same busy server until the job fails).
  return s.code() == StatusCode::kTimeout || s.code() == StatusCode::kTooLarge;
}

bool IsRetryable(const Status& s) {
  if (s.ok() || s.code() == StatusCode::kCanceled || s.code() == StatusCode::kStorage) return false;
  const std::string m = Lower(s.message());
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kTimeout ||
         s.code() == StatusCode::kInternal || IsTooManyRequests(m) ||
         m.find("connection") != std::string::npos;
}

WindowFetcher::WindowFetcher(FetchShared* shared, std::shared_ptr<Obfuscator> obfuscator, int64_t step_ms)
    : shared_(shared), rewriter_(std::move(obfuscator), step_ms) {}

Status WindowFetcher::FetchOnce(const TimeRange& w, const StagingArea& staging, WindowStats* stats,
                                std::atomic<uint64_t>* live_lines, Route* used) {
  StagingFiles file(staging, w, shared_->compression_level);
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
    char last_byte = '\n';
    // /api/v1/export includes both ends; end-1ms keeps the window half-open.
    *used = shared_->use_rw_fallback ? Route::kRwFallbackExport : Route::kExport;
    VmClient* exporter = *used == Route::kRwFallbackExport ? shared_->rw_fallback_client : shared_->client;
    result = exporter->Export({shared_->selection.match}, w.start_ms, w.end_ms - 1,
                                     [&](std::string_view chunk) {
                                       if (shared_->canceled) return false;
                                       if (!chunk.empty()) last_byte = chunk.back();
                                       line_error = splitter.Feed(chunk, on_line);
                                       return line_error.ok();
                                     });
    if (!line_error.ok()) result = line_error;
    // VictoriaMetrics ends every export line with a newline: an answer that stops inside a line
    // was cut short on the way (seen through vmauth under load: a complete HTTP answer holding 21
    // bytes of a line), which a retry fixes; it is not a malformed line.
    if (result.ok() && last_byte != '\n') {
      result = Status::Unavailable(
          fmt::format("the export answer for {}..{} ended inside a line", FormatRfc3339(w.start_ms),
                      FormatRfc3339(w.end_ms)),
          "the server or a proxy in between cut the answer short; check its logs");
    }
    if (result.ok()) result = splitter.Finish(on_line);
  }
  if (shared_->canceled) result = Status::Canceled();
  if (result.ok()) result = file.Close(stats);
  if (!result.ok()) {
    live_lines->fetch_sub(counted, std::memory_order_relaxed);
    return result;
  }
  stats->lines = rewriter_.lines() - lines_before;
  stats->samples = rewriter_.samples() - samples_before;
  return Status::Ok();
}

Status WindowFetcher::Fetch(const TimeRange& w, const StagingArea& staging, WindowStats* stats,
                            std::atomic<uint64_t>* live_lines) {
  const RetryPolicy& retry = shared_->retry;
  std::chrono::milliseconds backoff = retry.first_backoff;
  Status last;
  for (int attempt = 1; attempt <= retry.attempts; ++attempt) {
    Route used = Route::kExport;
    last = FetchOnce(w, staging, stats, live_lines, &used);
    if (last.ok()) return last;
    if (last.code() == StatusCode::kCanceled) break;
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
  // A window that did not complete leaves nothing behind that could pass for data.
  std::remove(staging.PartPath(w).c_str());
  std::remove(staging.DeflatedPartPath(w).c_str());
  if (last.code() == StatusCode::kCanceled) return last;
  return last.Wrap(fmt::format("cannot export window {}..{} from {}", FormatRfc3339(w.start_ms),
                               FormatRfc3339(w.end_ms), RedactUrl(shared_->client->connection().full_api_url)));
}

}  // namespace vmx
