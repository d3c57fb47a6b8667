// BatchSender: sends import batches to VictoriaMetrics with bounded parallelism and retries.
//
// Submit() hands over one batch of JSON lines; worker threads gzip it and POST it with
// Content-Encoding: gzip. Connection errors, 429 and 5xx are retried with exponential backoff;
// other answers (400, 401, 404, ...) fail the import at once with the target's message.
// At most `concurrency` batches wait in the queue, so memory stays bounded.
// Thread-safe: Submit/Finish from one producer thread; Cancel from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/http_client.h"
#include "common/status.h"

namespace vmx::importer {

struct ImportBatch {
  uint64_t index = 0;        // 0-based position in the bundle; equal for equal input and options
  uint64_t first_line = 0;   // 1-based line numbers covered, for messages
  uint64_t last_line = 0;
  uint64_t samples = 0;
  std::string body;          // JSON lines, uncompressed
};

struct BatchSenderOptions {
  std::string url;                 // the import endpoint
  int concurrency = 2;             // parallel POSTs
  int max_attempts = 5;            // per batch, the first try included
  std::chrono::milliseconds first_backoff{500};
  int gzip_level = 1;              // 0: send the body uncompressed
};

class BatchSender {
 public:
  // Called from a worker thread after a batch was accepted by the target. `uncertain_attempts`
  // counts earlier attempts of it that failed without a refusal (timeout, reset, 5xx): the
  // target may have stored the batch then too, so it may now hold it twice.
  using SentCallback = std::function<void(const ImportBatch& batch, size_t wire_bytes, int uncertain_attempts)>;

  BatchSender(HttpClient& client, BatchSenderOptions options, SentCallback on_sent);
  ~BatchSender();
  BatchSender(const BatchSender&) = delete;
  BatchSender& operator=(const BatchSender&) = delete;

  // Queues a batch, blocking while the queue is full. Returns the first failure seen so far
  // (then the batch is not queued and the caller should stop).
  Status Submit(ImportBatch batch);
  // Waits until every queued batch is sent or failed; returns the first failure.
  Status Finish();
  // Stops retries and drops queued batches; running POSTs finish.
  void Cancel();

 private:
  void Work();
  Status Send(const ImportBatch& batch, std::string* gz, int* uncertain_attempts);
  bool SleepUnlessCanceled(std::chrono::milliseconds d);

  HttpClient& client_;
  BatchSenderOptions options_;
  SentCallback on_sent_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ImportBatch> queue_;
  int busy_ = 0;
  bool closing_ = false;
  std::atomic<bool> canceled_{false};
  Status first_error_;
  std::vector<std::thread> workers_;
};

}  // namespace vmx::importer
