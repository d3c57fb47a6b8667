// ImportProgress, ImportReport and ResumeState: what an import run shows while it runs, what it
// did when it ends, and the decisions an interrupted run must keep when it resumes.
#pragma once

#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "importer/bundle_stream.h"
#include "importer/import_verifier.h"

namespace vmx::importer {

// One bad line, reported with its physical line number.
struct RejectedLine {
  uint64_t line = 0;
  std::string error;
};

// Live counters of a run (readable from other threads).
struct ImportProgress : StreamProgress {
  std::atomic<uint64_t> rejected_lines{0};
  std::atomic<uint64_t> samples_read{0};
  std::atomic<uint64_t> samples_sent{0};     // acknowledged by the target
  std::atomic<uint64_t> samples_trimmed{0};  // outside retention, not sent
  std::atomic<uint64_t> batches_sent{0};
  std::atomic<uint64_t> batches_uncertain{0};  // acknowledged after a failed attempt
  std::atomic<uint64_t> samples_uncertain{0};  // in those batches: the target may hold them twice
  std::atomic<uint64_t> wire_bytes_sent{0};    // compressed
  std::atomic<int64_t> started_ms{0};
  std::atomic<int64_t> finished_ms{0};  // 0 while running
  std::atomic<int> phase{0};            // see Phase

  enum Phase { kStarting = 0, kScanning, kImporting, kVerifying, kDone };
  static const char* PhaseName(int phase);
  // {bytes_total, bytes_read, lines, samples_sent, samples_per_second, eta_seconds, ...}
  nlohmann::json ToJson() const;
};

// What a finished (or failed) run did.
struct ImportReport {
  std::string target;  // write URL, without credentials
  std::string tenant;
  std::string bundle_format;
  uint64_t lines = 0;
  uint64_t lines_rejected = 0;
  std::vector<RejectedLine> rejects;  // the first 100
  std::string rejects_path;           // set when bad lines were written there
  std::string rejects_note;           // why they are not where asked (fallback), or ""
  uint64_t series_sent = 0;
  uint64_t samples_sent = 0;
  uint64_t samples_trimmed = 0;  // older than the retention (after the shift)
  uint64_t batches_sent = 0;
  uint64_t batches_skipped = 0;    // acknowledged by an earlier attempt (resume)
  uint64_t batches_uncertain = 0;  // retried after a timeout/reset/5xx the target may have stored
  uint64_t samples_uncertain = 0;
  int64_t min_ts = 0;  // imported range (after the shift), unix ms
  int64_t max_ts = 0;
  int64_t shift_ms = 0;
  std::string retention;  // as used for the trim ("" when not trimming)
  std::optional<int> target_max_labels;  // the target's -maxLabelsPerTimeseries, when known
  uint64_t series_over_label_limit = 0;  // series with more labels: VictoriaMetrics cuts them
  double seconds = 0;
  std::optional<VerificationReport> verification;

  nlohmann::json ToJson() const;
  // The multi-line summary the CLI prints on stdout.
  std::string ToText() const;
};

// Decisions that must not change when an interrupted import resumes, and what the target
// acknowledged. Saved by the page's job in memory, by the CLI in its resume journal.
struct ResumeState {
  bool planned = false;
  int64_t shift_ms = 0;
  int64_t min_timestamp_ms = INT64_MIN;
  std::string retention;
  std::set<uint64_t> sent_batches;  // batch indexes the target acknowledged
  // Verification window and names, and what the target held there before the first batch.
  bool has_window = false;
  int64_t window_min_ts = 0;
  int64_t window_max_ts = 0;
  std::set<std::string, std::less<>> metric_names;
  std::optional<SampleCounts> baseline;

  nlohmann::json ToJson() const;
  // kInvalidArgument when `j` is not a saved ResumeState.
  static Result<ResumeState> FromJson(const nlohmann::json& j);
};

}  // namespace vmx::importer
