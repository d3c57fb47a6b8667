#include "importer/batch_sender.h"

#include <fmt/format.h>

#include <algorithm>

#include "importer/gzip_body.h"
#include "importer/target_answer.h"

namespace vmx::importer {

BatchSender::BatchSender(HttpClient& client, BatchSenderOptions options, SentCallback on_sent)
    : client_(client), options_(std::move(options)), on_sent_(std::move(on_sent)) {
  const int n = std::max(1, options_.concurrency);
  for (int i = 0; i < n; ++i) workers_.emplace_back([this] { Work(); });
}

BatchSender::~BatchSender() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
}

Status BatchSender::Submit(ImportBatch batch) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] {
    return !first_error_.ok() || canceled_.load() ||
           queue_.size() < static_cast<size_t>(std::max(1, options_.concurrency));
  });
  if (!first_error_.ok()) return first_error_;
  if (canceled_.load()) return Status::Canceled();
  queue_.push_back(std::move(batch));
  cv_.notify_all();
  return Status::Ok();
}

Status BatchSender::Finish() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return (queue_.empty() && busy_ == 0) || !first_error_.ok(); });
  // After a failure, let running POSTs end so nothing touches the caller's state later.
  cv_.wait(lock, [&] { return busy_ == 0; });
  if (!first_error_.ok()) return first_error_;
  if (canceled_.load()) return Status::Canceled();
  return Status::Ok();
}

void BatchSender::Cancel() {
  canceled_.store(true);
  std::lock_guard lock(mu_);
  queue_.clear();
  cv_.notify_all();
}

bool BatchSender::SleepUnlessCanceled(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return canceled_.load() || closing_; });
}

void BatchSender::Work() {
  std::string gz;
  while (true) {
    ImportBatch batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    cv_.notify_all();
    int uncertain = 0;
    Status s = Send(batch, &gz, &uncertain);
    if (s.ok()) on_sent_(batch, options_.gzip_level > 0 ? gz.size() : batch.body.size(), uncertain);
    {
      std::lock_guard lock(mu_);
      --busy_;
      if (!s.ok() && first_error_.ok()) {
        first_error_ = s;
        queue_.clear();
      }
    }
    cv_.notify_all();
  }
}

Status BatchSender::Send(const ImportBatch& batch, std::string* gz, int* uncertain_attempts) {
  const bool compress = options_.gzip_level > 0;
  if (compress) {
    if (Status s = GzipCompress(batch.body, options_.gzip_level, gz); !s.ok()) return s;
  }
  const std::string_view wire = compress ? std::string_view(*gz) : std::string_view(batch.body);
  const std::vector<std::string> headers =
      compress ? std::vector<std::string>{"Content-Encoding: gzip"} : std::vector<std::string>{};
  const std::string what = fmt::format("cannot import lines {}..{} into {}", batch.first_line,
                                       batch.last_line, RedactUrl(options_.url));
  std::chrono::milliseconds backoff = options_.first_backoff;
  Status last;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (canceled_.load()) return Status::Canceled();
    Result<HttpResponse> r = client_.Post(options_.url, wire, "application/jsonl", headers);
    const std::string tries = fmt::format("attempt {}/{}", attempt, options_.max_attempts);
    if (r.ok() && r->status >= 200 && r->status < 300) return Status::Ok();
    ++*uncertain_attempts;  // every failure below may have reached the target's storage
    if (!r.ok()) {
      last = Status(r.status().code(), fmt::format("{}: {} ({})", what, r.status().message(), tries),
                    r.status().hint());
    } else {
      Status answer = TargetAnswerError(what, r->status, r->body);
      if (!IsRetryableStatus(r->status) || answer.code() == StatusCode::kUnauthenticated) return answer;
      last = Status(answer.code(), fmt::format("{} ({})", answer.message(), tries), answer.hint());
    }
    if (attempt < options_.max_attempts && !SleepUnlessCanceled(backoff)) return Status::Canceled();
    backoff = std::min(backoff * 2, std::chrono::milliseconds(10'000));
  }
  return last;
}

}  // namespace vmx::importer
