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

// Buffered writes of one window's lines, deflated, to its staged piece.
class StagingFile {
 public:
  StagingFile(const StagingArea& staging, const TimeRange& w, int level)
      : path_(staging.DeflatedPartPath(w)), file_(staging.CreateFile(path_)), deflater_(level) {}
  ~StagingFile() {
    if (file_ != nullptr) std::fclose(file_);
  }
  Status OpenStatus() const {
    if (file_ != nullptr) return Status::Ok();
    return Status::Storage(
        fmt::format("cannot create staging file {}: {}", path_, std::strerror(errno)),
        "set staging_dir to a writable directory with free space");
  }
  std::string& buffer() { return buf_; }
  Status MaybeFlush() { return buf_.size() >= kFlushBytes ? Flush() : Status::Ok(); }
  Status Flush() {
    if (buf_.empty()) return Status::Ok();
    zbuf_.clear();
    if (Status s = deflater_.Append(buf_, &zbuf_); !s.ok()) return s;
    buf_.clear();
    return Put(zbuf_);
  }
  // Flushes, ends the deflated piece and closes the file; fills the byte counts and CRC.
  Status Close(WindowStats* stats) {
    Status s = Flush();
    zbuf_.clear();
    if (s.ok()) s = deflater_.Finish(&zbuf_);
    if (s.ok()) s = Put(zbuf_);
    if (std::fclose(file_) != 0 && s.ok()) s = WriteError();
    file_ = nullptr;
    stats->bytes = deflater_.uncompressed_bytes();
    stats->crc32 = deflater_.crc32();
    stats->deflated_bytes = deflated_bytes_;
    return s;
  }

 private:
  Status Put(const std::string& data) {
    if (!data.empty() && std::fwrite(data.data(), 1, data.size(), file_) != data.size())
      return WriteError();
    deflated_bytes_ += data.size();
    return Status::Ok();
  }
  Status WriteError() const {
    return Status::Storage(
        fmt::format("cannot write staging file {}: {}", path_, std::strerror(errno)),
        "free space in the staging dir (or set staging_dir elsewhere), then resume");
  }

  std::string path_;
  FILE* file_;
  RawDeflater deflater_;
  uint64_t deflated_bytes_ = 0;
  std::string buf_;
  std::string zbuf_;
};

const char* RouteName(int route) {
  static constexpr const char* kNames[] = {"export", "export without /rw", "query_range"};
  return kNames[route];
}

}  // namespace

WindowFetcher::WindowFetcher(FetchShared* shared, std::shared_ptr<Obfuscator> obfuscator,
                             int64_t step_ms)
    : shared_(shared), rewriter_(std::move(obfuscator), step_ms) {}

Status WindowFetcher::FetchOnce(const TimeRange& w, const StagingArea& staging, WindowStats* stats,
                                std::atomic<uint64_t>* live_lines, Route* used) {
  StagingFile file(staging, w, shared_->compression_level);
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
    VmClient* exporter =
        *used == Route::kRwFallbackExport ? shared_->rw_fallback_client : shared_->client;
    result = exporter->Export({shared_->selection.match}, w.start_ms, w.end_ms - 1,
                              [&](std::string_view chunk) {
                                if (*shared_->stop) return false;
                                line_error = splitter.Feed(chunk, on_line);
                                return line_error.ok();
                              });
    if (!line_error.ok()) result = line_error;
    if (result.ok()) result = splitter.Finish(on_line);
  }
  if (*shared_->stop) result = Status::Canceled();
  if (result.ok()) result = file.Close(stats);
  if (!result.ok()) {
    live_lines->fetch_sub(counted, std::memory_order_relaxed);
    return result;
  }
  stats->lines = rewriter_.lines() - lines_before;
  stats->samples = rewriter_.samples() - samples_before;
  stats->source = RouteName(static_cast<int>(*used));
  return Status::Ok();
}

Status WindowFetcher::Fetch(const TimeRange& w, const StagingArea& staging, WindowStats* stats,
                            std::atomic<uint64_t>* live_lines) {
  const auto started = std::chrono::steady_clock::now();
  Backoff backoff(shared_->retry);
  Status last;
  int missing_route_answers = 0;
  while (true) {
    Route used = Route::kExport;
    last = FetchOnce(w, staging, stats, live_lines, &used);
    if (last.ok() || last.code() == StatusCode::kCanceled) break;
    if (used != Route::kQueryRange && IsMissingExportRoute(last)) {
      // A proxy's transient 404 must not move the whole job: the route is given up only when it
      // answers "missing" twice in a row. Routes only move forward (export, export without
      // /rw, query_range), so this ends. Another worker may have moved on meanwhile.
      const bool moved = used == Route::kExport
                             ? (shared_->use_rw_fallback || shared_->use_query_range)
                             : shared_->use_query_range.load();
      if (!moved && ++missing_route_answers >= 2) {
        if (used == Route::kExport && shared_->rw_fallback_client != nullptr) {
          shared_->use_rw_fallback = true;
        } else {
          shared_->use_query_range = true;
        }
      }
      if (moved || missing_route_answers >= 2) missing_route_answers = 0;
      continue;
    }
    missing_route_answers = 0;
    if (!IsTransient(last)) break;
    const int attempt = backoff.attempts();
    std::optional<std::chrono::milliseconds> delay = backoff.Next();
    if (!delay) {
      last = last.Wrap(backoff.GaveUpText());
      break;
    }
    if (shared_->on_retry) shared_->on_retry(w, {attempt, *delay, last});
    SleepUnlessCanceled(*delay, *shared_->stop);
    if (*shared_->stop) {
      last = Status::Canceled();
      break;
    }
  }
  if (last.ok()) {
    stats->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return last;
  }
  // A window that did not complete leaves nothing behind that could pass for data.
  std::remove(staging.DeflatedPartPath(w).c_str());
  if (last.code() == StatusCode::kCanceled) return last;
  return last.Wrap(fmt::format("cannot export window {}..{} from {}", FormatRfc3339(w.start_ms),
                               FormatRfc3339(w.end_ms),
                               RedactUrl(shared_->client->connection().full_api_url)));
}

}  // namespace vmx
