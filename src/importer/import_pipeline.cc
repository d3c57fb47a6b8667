#include "importer/import_pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>
#include <unordered_set>

#include "importer/batch_sender.h"
#include "importer/line_rewriter.h"
#include "importer/rejects_file.h"
#include "importer/target_probe.h"
#include "importer/time_text.h"

namespace vmx::importer {
namespace {

constexpr size_t kMaxReportedRejects = 100;
// Samples this close to the retention edge are trimmed too: by the time they reach the
// target they would be outside it, and VictoriaMetrics drops such samples silently.
constexpr int64_t kRetentionMarginMs = 5 * 60 * 1000;

bool ShiftOverflows(int64_t ts, int64_t shift) {
  int64_t ignored = 0;
  return __builtin_add_overflow(ts, shift, &ignored);
}

}  // namespace

void ImportPipeline::Cancel() {
  cancel_.store(true);
  std::lock_guard lock(sender_mu_);
  if (sender_ != nullptr) sender_->Cancel();
}

ImportPipeline::ImportPipeline(std::string bundle_path, ImportOptions options)
    : bundle_path_(std::move(bundle_path)), options_(std::move(options)) {}

Status ImportPipeline::Plan(HttpClient& client, const ImportTarget& target, ResumeState* resume) {
  // The retention and the label limit come from one read of the target's /metrics.
  std::optional<TargetFlags> flags;
  const auto target_flags = [&]() -> const TargetFlags& {
    if (!flags) flags = ReadTargetFlags(client, target);
    return *flags;
  };
  if (options_.skip_outside_retention) {
    int64_t retention_ms = 0;
    if (!options_.retention.empty()) {
      Result<int64_t> r = ParseRetentionMs(options_.retention);
      if (!r.ok()) return r.status();
      retention_ms = *r;
      resume->retention = options_.retention;
    } else {
      if (!target_flags().retention_ms) {
        return Status::InvalidArgument(
            "cannot learn the target's retention: neither the write nor the read side shows its /metrics "
            "through these URLs",
            "give the target's -retentionPeriod yourself, e.g. -retention=31d");
      }
      retention_ms = *flags->retention_ms;
      resume->retention = flags->retention_text;
    }
    resume->min_timestamp_ms = UnixNowMs() - retention_ms + kRetentionMarginMs;
  }
  const TimeShift& shift = options_.time_shift;
  const bool needs_scan = shift.mode == TimeShift::Mode::kNow || shift.mode == TimeShift::Mode::kAlign ||
                          options_.strict || options_.verify;
  resume->shift_ms = ShiftMillis(shift, 0, -1, UnixNowMs());
  if (!needs_scan) {
    resume->planned = true;
    return Status::Ok();
  }
  // One pass before sending (unless the page's preflight did it): the first/last sample for
  // the shift, the metric names and range for the baseline count, and with -strict a refusal
  // of any bad line before a single sample reaches the target.
  std::shared_ptr<const BundleScan> scan = scan_;
  if (!scan) {
    progress_.phase.store(ImportProgress::kScanning);
    Result<std::shared_ptr<const BundleScan>> r =
        ScanBundle(bundle_path_, {options_.max_decompressed_bytes, options_.max_line_bytes}, &cancel_);
    if (!r.ok()) return r.status();
    scan = *r;
  }
  // Against the target's flags, so that series past its -maxLabelsPerTimeseries are named.
  Result<PreflightReport> pre = scan->Report(options_, target_flags());
  if (!pre.ok()) return pre.status();
  plan_preflight_ = *pre;
  if (options_.strict && pre->malformed_lines > 0) {
    const auto& [line, why] = pre->first_malformed.front();
    return Status::InvalidArgument(
        fmt::format("line {} of the bundle is malformed: {} ({} bad lines in all)", line, why, pre->malformed_lines),
        "nothing was imported (-strict); fix the lines or import without -strict to set them aside");
  }
  if (pre->samples == 0) {
    resume->planned = true;
    return Status::Ok();
  }
  resume->shift_ms = pre->shift_ms;
  if (options_.strict && (ShiftOverflows(pre->min_ts, pre->shift_ms) || ShiftOverflows(pre->max_ts, pre->shift_ms))) {
    return Status::InvalidArgument(
        fmt::format("the time shift of {} ms carries timestamps of the bundle ({} .. {}) out of range",
                    pre->shift_ms, pre->min_ts, pre->max_ts),
        "nothing was imported (-strict); choose another -time-shift");
  }
  if (options_.verify) {
    resume->has_window = true;
    resume->window_min_ts = std::max(pre->shifted_min_ts(), resume->min_timestamp_ms);
    resume->window_max_ts = pre->shifted_max_ts();
    resume->metric_names = scan->tally.metric_names();
    if (resume->window_min_ts <= resume->window_max_ts) {
      // What the target holds there already; a target that cannot be queried gets no baseline
      // and its verification says "not verified".
      Result<SampleCounts> before = CountAtTarget(client, target.read_base, resume->metric_names,
                                                  resume->window_min_ts, resume->window_max_ts);
      if (before.ok()) resume->baseline = *before;
    }
  }
  resume->planned = true;
  return Status::Ok();
}

Status ImportPipeline::Verify(HttpClient& client, const ImportTarget& target, const ResumeState& resume,
                              const std::set<std::string, std::less<>>& sent_names, ImportReport* report) {
  progress_.phase.store(ImportProgress::kVerifying);
  VerificationRequest vr;
  vr.read_base = target.read_base;
  // The same names and window as the baseline, so that the two counts compare exactly.
  vr.metric_names = resume.has_window ? resume.metric_names : sent_names;
  vr.min_ts = resume.has_window ? resume.window_min_ts : report->min_ts;
  vr.max_ts = resume.has_window ? resume.window_max_ts : report->max_ts;
  vr.series_sent = report->series_sent;
  vr.samples_sent = report->samples_sent;
  vr.baseline = resume.baseline;
  vr.timeout_seconds = options_.verify_timeout_seconds;
  vr.cancel = &cancel_;
  if (target.tenant.empty()) vr.flush_url = target.read_base + "/internal/force_flush";
  Result<VerificationReport> v = VerifyImport(client, vr);
  if (!v.ok()) return v.status();
  report->verification = *v;
  if (!v->ok()) {
    return Status::Unavailable(fmt::format("the import was sent but does not verify: {}", v->message),
                               "query the target to see what is missing");
  }
  return Status::Ok();
}

Status ImportPipeline::Run(ResumeState* resume, ImportReport* report) {
  const auto started = std::chrono::steady_clock::now();
  progress_.started_ms.store(UnixNowMs());
  progress_.finished_ms.store(0);
  progress_.phase.store(ImportProgress::kStarting);
  auto finish = [&](Status s) {
    report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    progress_.finished_ms.store(UnixNowMs());
    progress_.phase.store(ImportProgress::kDone);
    if (cancel_.load() && !s.ok()) return Status::Canceled();
    return s;
  };
  if (Status s = ValidateImportOptions(options_); !s.ok()) return finish(s);
  Result<ImportTarget> target = ResolveImportTarget(options_.url, options_.tenant, options_.read_url);
  if (!target.ok()) return finish(target.status());
  report->target = RedactUrl(target->write_url);
  report->tenant = target->tenant;
  HttpClientOptions http = options_.http;
  if (http.basic_user.empty() && !target->url_user.empty()) {
    http.basic_user = target->url_user;
    http.basic_password = target->url_password;
  }
  if (http.user_agent.empty()) http.user_agent = "vmimport";
  HttpClient client(http);

  std::mutex resume_mu;  // guards *resume against the sender threads
  if (!resume->planned) {
    if (Status s = Plan(client, *target, resume); !s.ok()) return finish(s);
    if (on_resume_changed_) on_resume_changed_(*resume);
  }
  if (resume->has_window && !resume->baseline && resume->sent_batches.empty()) {
    // The target could not be counted when the import was planned (down, or read through
    // another URL): nothing is acknowledged yet, so the count can still be taken now.
    Result<SampleCounts> before = CountAtTarget(client, target->read_base, resume->metric_names,
                                                resume->window_min_ts, resume->window_max_ts);
    if (before.ok()) resume->baseline = *before;
  }
  report->shift_ms = resume->shift_ms;
  report->retention = resume->retention;
  report->target_max_labels = plan_preflight_.target_max_labels;
  report->series_over_label_limit = plan_preflight_.series_over_label_limit;

  Result<std::unique_ptr<BundleStream>> stream =
      BundleStream::Open(bundle_path_, {options_.max_decompressed_bytes, options_.max_line_bytes,
                                        options_.max_decompression_ratio});
  if (!stream.ok()) return finish(stream.status());
  report->bundle_format = BundleFormatName((*stream)->reader().format());
  progress_.phase.store(ImportProgress::kImporting);

  BatchSender sender(client,
                     {.url = target->write_url,
                      .concurrency = options_.concurrency,
                      .max_attempts = options_.max_attempts,
                      .gzip_level = options_.gzip_level >= 0 ? options_.gzip_level
                                    : target->is_loopback()  ? 0
                                                             : 1},
                     [&](const ImportBatch& batch, size_t wire_bytes, int uncertain_attempts) {
                       progress_.samples_sent.fetch_add(batch.samples);
                       progress_.batches_sent.fetch_add(1);
                       progress_.wire_bytes_sent.fetch_add(wire_bytes);
                       if (uncertain_attempts > 0) {
                         progress_.batches_uncertain.fetch_add(1);
                         progress_.samples_uncertain.fetch_add(batch.samples);
                       }
                       std::lock_guard lock(resume_mu);
                       resume->sent_batches.insert(batch.index);
                       if (on_resume_changed_) on_resume_changed_(*resume);
                     });
  {
    std::lock_guard lock(sender_mu_);
    sender_ = &sender;
  }
  // Declared after `sender`, so it unregisters it before the sender is destroyed.
  struct Unregister {
    ImportPipeline* p;
    ~Unregister() {
      std::lock_guard lock(p->sender_mu_);
      p->sender_ = nullptr;
    }
  } unregister{this};
  if (cancel_.load()) sender.Cancel();
  progress_.samples_sent.store(0);
  LineRewriter rewriter({.shift_ms = resume->shift_ms,
                         .min_timestamp_ms = resume->min_timestamp_ms,
                         .drop_labels = options_.drop_labels});
  RejectsFile rejects(options_.rejects_path);
  std::unordered_set<uint64_t> series;
  std::set<std::string, std::less<>> names;
  int64_t min_ts = std::numeric_limits<int64_t>::max();
  int64_t max_ts = std::numeric_limits<int64_t>::min();
  uint64_t next_index = 0;
  uint64_t skipped = 0;
  ImportBatch batch;
  batch.body.reserve(options_.batch_bytes + (64 << 10));

  auto flush = [&]() -> Status {
    if (batch.body.empty()) return Status::Ok();
    batch.index = next_index++;
    bool already_sent = false;
    {
      std::lock_guard lock(resume_mu);
      already_sent = resume->sent_batches.count(batch.index) > 0;
    }
    Status s;
    if (already_sent) {
      progress_.samples_sent.fetch_add(batch.samples);
      ++skipped;
    } else {
      s = sender.Submit(std::move(batch));
    }
    batch = ImportBatch{};
    batch.body.reserve(options_.batch_bytes + (64 << 10));
    return s;
  };
  // Every bad line takes this one path: counted, reported, kept aside (or, with -strict, the end).
  auto set_aside = [&](uint64_t n, const Status& why, std::string_view text, uint64_t full_bytes) -> Status {
    progress_.rejected_lines.fetch_add(1);
    if (report->rejects.size() < kMaxReportedRejects) report->rejects.push_back({n, why.message()});
    if (options_.strict) {
      return Status::InvalidArgument(fmt::format("line {} of the bundle is malformed: {}", n, why.message()));
    }
    return rejects.Add(n, why.message(), text, full_bytes);
  };

  Status stream_status = (*stream)->ForEachLine(
      [&](std::string_view line, uint64_t n) -> Status {
        LineFacts f;
        const size_t before = batch.body.size();
        Status s = rewriter.Rewrite(line, &f, &batch.body);
        if (!s.ok()) {
          batch.body.resize(before);
          return set_aside(n, s, line, 0);
        }
        progress_.samples_read.fetch_add(f.samples_in);
        if (f.samples_in != f.samples_out) progress_.samples_trimmed.fetch_add(f.samples_in - f.samples_out);
        if (f.samples_out == 0) return Status::Ok();
        series.insert(f.series_hash);
        if (names.find(f.metric_name) == names.end()) names.emplace(f.metric_name);
        min_ts = std::min(min_ts, f.min_ts);
        max_ts = std::max(max_ts, f.max_ts);
        if (batch.first_line == 0) batch.first_line = n;
        batch.last_line = n;
        batch.samples += f.samples_out;
        if (batch.body.size() >= options_.batch_bytes) return flush();
        return Status::Ok();
      },
      &progress_, &cancel_,
      [&](uint64_t n, std::string_view head, uint64_t bytes, const Status& why) {
        return set_aside(n, why, head, bytes);
      });
  if (stream_status.ok()) stream_status = flush();
  if (!stream_status.ok()) sender.Cancel();
  Status send_status = sender.Finish();

  report->lines = progress_.lines.load();
  report->lines_rejected = progress_.rejected_lines.load();
  if (rejects.used()) {
    report->rejects_path = rejects.path();
    report->rejects_note = rejects.fallback_note();
  }
  report->series_sent = series.size();
  report->samples_sent = progress_.samples_sent.load();
  report->samples_trimmed = progress_.samples_trimmed.load();
  report->batches_sent = progress_.batches_sent.load();
  report->batches_skipped = skipped;
  report->batches_uncertain = progress_.batches_uncertain.load();
  report->samples_uncertain = progress_.samples_uncertain.load();
  report->min_ts = min_ts;
  report->max_ts = max_ts;
  if (cancel_.load()) return finish(Status::Canceled());
  if (!stream_status.ok()) {
    return finish(stream_status.Wrap(fmt::format("cannot import bundle {}", bundle_path_)));
  }
  if (!send_status.ok()) return finish(send_status);
  if (options_.verify) {
    if (Status s = Verify(client, *target, *resume, names, report); !s.ok()) return finish(s);
  }
  return finish(Status::Ok());
}

}  // namespace vmx::importer
