// ImportPipeline: streams one bundle into VictoriaMetrics and verifies the result.
//
// bundle file -> BundleStream (unzip, limits) -> lines -> LineRewriter (time shift, retention
// trim, dropped labels; malformed lines set aside) -> ~4 MiB batches -> BatchSender (gzip,
// parallel POSTs, retries) -> VerifyImport. Memory stays bounded by the batch size times the
// concurrency, whatever the bundle size.
// Thread-safety: Run() on one thread; progress() and Cancel() from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "common/status.h"
#include "importer/bundle_stream.h"
#include "importer/import_options.h"
#include "importer/import_target.h"
#include "importer/import_verifier.h"

namespace vmx::importer {

// One malformed line, reported with its number.
struct RejectedLine {
  uint64_t line = 0;
  std::string error;
};

// Live counters of a run (readable from other threads).
struct ImportProgress : StreamProgress {
  std::atomic<uint64_t> rejected_lines{0};
  std::atomic<uint64_t> samples_read{0};
  std::atomic<uint64_t> samples_sent{0};      // acknowledged by the target
  std::atomic<uint64_t> samples_trimmed{0};   // outside retention, not sent
  std::atomic<uint64_t> batches_sent{0};
  std::atomic<uint64_t> wire_bytes_sent{0};   // compressed
  std::atomic<int64_t> started_ms{0};
  std::atomic<int64_t> finished_ms{0};        // 0 while running
  std::atomic<int> phase{0};                  // see Phase

  enum Phase { kStarting = 0, kScanning, kImporting, kVerifying, kDone };
  static const char* PhaseName(int phase);
  // {bytes_total, bytes_read, lines, samples_sent, samples_per_second, eta_seconds, ...}
  nlohmann::json ToJson() const;
};

// What a finished (or failed) run did.
struct ImportReport {
  std::string target;              // write URL, without credentials
  std::string tenant;
  std::string bundle_format;
  uint64_t lines = 0;
  uint64_t lines_rejected = 0;
  std::vector<RejectedLine> rejects;  // the first 100
  std::string rejects_path;           // set when malformed lines were written there
  uint64_t series_sent = 0;
  uint64_t samples_sent = 0;
  uint64_t samples_trimmed = 0;    // older than the retention (after the shift)
  int64_t min_ts = 0;              // imported range (after the shift), unix ms
  int64_t max_ts = 0;
  int64_t shift_ms = 0;
  std::string retention;           // as used for the trim ("" when not trimming)
  double seconds = 0;
  std::optional<VerificationReport> verification;

  nlohmann::json ToJson() const;
  // The multi-line summary the CLI prints on stdout.
  std::string ToText() const;
};

// Decisions that must not change when an interrupted import resumes.
struct ResumeState {
  bool planned = false;
  int64_t shift_ms = 0;
  int64_t min_timestamp_ms = INT64_MIN;
  std::string retention;
  std::set<uint64_t> sent_batches;   // batch indexes the target acknowledged
};

class ImportPipeline {
 public:
  ImportPipeline(std::string bundle_path, ImportOptions options);

  // Imports the bundle; `resume` carries decisions and acknowledged batches across attempts
  // (pass the same object again to resume). The report is filled even when an error returns.
  Status Run(ResumeState* resume, ImportReport* report);

  void Cancel();
  const ImportProgress& progress() const { return progress_; }

 private:
  Status Plan(HttpClient& client, const ImportTarget& target, ResumeState* resume);

  std::string bundle_path_;
  ImportOptions options_;
  ImportProgress progress_;
  std::atomic<bool> cancel_{false};
  std::mutex sender_mu_;
  class BatchSender* sender_ = nullptr;  // the running run's sender, to cancel its queue
};

}  // namespace vmx::importer
