#include "importer/import_pipeline.h"

#include <fmt/format.h>

#include <cstdio>
#include <limits>
#include <unordered_set>

#include "importer/batch_sender.h"
#include "importer/bundle_preflight.h"
#include "importer/line_rewriter.h"
#include "importer/target_probe.h"
#include "importer/time_text.h"

namespace vmx::importer {
namespace {

constexpr size_t kMaxReportedRejects = 100;
// Samples this close to the retention edge are trimmed too: by the time they reach the
// target they would be outside it, and VictoriaMetrics drops such samples silently.
constexpr int64_t kRetentionMarginMs = 5 * 60 * 1000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Writes malformed lines to a JSON-lines file, opened on first use.
class RejectsFile {
 public:
  explicit RejectsFile(std::string path) : path_(std::move(path)) {}
  ~RejectsFile() {
    if (f_ != nullptr) std::fclose(f_);
  }
  Status Add(uint64_t line, const std::string& error, std::string_view text) {
    if (path_.empty()) return Status::Ok();
    if (f_ == nullptr) {
      f_ = std::fopen(path_.c_str(), "w");
      if (f_ == nullptr) {
        return Status::Internal(fmt::format("cannot create the rejects file {}", path_),
                                "check that its directory is writable, or choose another -rejects-file");
      }
    }
    const nlohmann::json j = {{"line", line}, {"error", error}, {"text", std::string(text)}};
    const std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (std::fwrite(s.data(), 1, s.size(), f_) != s.size()) {
      return Status::Internal(fmt::format("cannot write the rejects file {}", path_));
    }
    return Status::Ok();
  }
  bool used() const { return f_ != nullptr; }

 private:
  std::string path_;
  FILE* f_ = nullptr;
};

}  // namespace

const char* ImportProgress::PhaseName(int phase) {
  switch (phase) {
    case kStarting: return "starting";
    case kScanning: return "scanning";
    case kImporting: return "importing";
    case kVerifying: return "verifying";
    case kDone: return "done";
  }
  return "unknown";
}

nlohmann::json ImportProgress::ToJson() const {
  const int64_t end_ms = finished_ms.load() != 0 ? finished_ms.load() : NowMs();
  const double elapsed = started_ms.load() == 0 ? 0 : (end_ms - started_ms.load()) / 1000.0;
  const uint64_t total = file_bytes.load();
  const uint64_t done = file_bytes_read.load();
  const uint64_t sent = samples_sent.load();
  nlohmann::json j = {
      {"phase", PhaseName(phase.load())},
      {"bytes_total", total},
      {"bytes_read", done},
      {"bytes_decompressed", bytes_read.load()},
      {"lines", lines.load()},
      {"lines_rejected", rejected_lines.load()},
      {"samples_read", samples_read.load()},
      {"samples_sent", sent},
      {"samples_trimmed", samples_trimmed.load()},
      {"batches_sent", batches_sent.load()},
      {"wire_bytes_sent", wire_bytes_sent.load()},
      {"elapsed_seconds", elapsed},
      {"samples_per_second", elapsed > 0 ? sent / elapsed : 0.0},
      {"progress", total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0},
  };
  if (phase.load() == kImporting && done > 0 && total >= done && elapsed > 1) {
    j["eta_seconds"] = elapsed * static_cast<double>(total - done) / static_cast<double>(done);
  } else {
    j["eta_seconds"] = nullptr;
  }
  return j;
}

nlohmann::json ImportReport::ToJson() const {
  nlohmann::json rej = nlohmann::json::array();
  for (const RejectedLine& r : rejects) rej.push_back({{"line", r.line}, {"error", r.error}});
  nlohmann::json j = {
      {"target", target},
      {"tenant", tenant},
      {"bundle_format", bundle_format},
      {"lines", lines},
      {"lines_rejected", lines_rejected},
      {"rejects", rej},
      {"rejects_path", rejects_path},
      {"series_sent", series_sent},
      {"samples_sent", samples_sent},
      {"samples_trimmed", samples_trimmed},
      {"time_range", {{"start", samples_sent ? FormatInstantMs(min_ts) : ""},
                      {"end", samples_sent ? FormatInstantMs(max_ts) : ""}}},
      {"shift_ms", shift_ms},
      {"retention", retention},
      {"seconds", seconds},
  };
  j["verification"] = verification ? verification->ToJson() : nlohmann::json(nullptr);
  return j;
}

std::string ImportReport::ToText() const {
  std::string out;
  out += fmt::format("target:          {}{}\n", target, tenant.empty() ? "" : fmt::format(" (tenant {})", tenant));
  out += fmt::format("lines:           {} read, {} rejected\n", lines, lines_rejected);
  for (const RejectedLine& r : rejects) out += fmt::format("  line {}: {}\n", r.line, r.error);
  if (!rejects_path.empty()) out += fmt::format("rejected lines:  kept in {}\n", rejects_path);
  out += fmt::format("sent:            {} series, {} samples in {:.1f}s\n", series_sent, samples_sent, seconds);
  if (samples_sent > 0) {
    out += fmt::format("time range:      {} .. {}\n", FormatInstantMs(min_ts), FormatInstantMs(max_ts));
  }
  if (shift_ms != 0) out += fmt::format("time shift:      {}\n", FormatDurationMs(shift_ms));
  if (!retention.empty()) {
    out += fmt::format("retention trim:  {} samples older than the target's retention ({}) skipped\n",
                       samples_trimmed, retention);
  }
  if (verification) {
    out += fmt::format("verification:    {}: {}\n", verification->outcome, verification->message);
  }
  return out;
}

void ImportPipeline::Cancel() {
  cancel_.store(true);
  std::lock_guard lock(sender_mu_);
  if (sender_ != nullptr) sender_->Cancel();
}

ImportPipeline::ImportPipeline(std::string bundle_path, ImportOptions options)
    : bundle_path_(std::move(bundle_path)), options_(std::move(options)) {}

Status ImportPipeline::Plan(HttpClient& client, const ImportTarget& target, ResumeState* resume) {
  if (options_.skip_outside_retention) {
    int64_t retention_ms = 0;
    if (!options_.retention.empty()) {
      Result<int64_t> r = ParseRetentionMs(options_.retention);
      if (!r.ok()) return r.status();
      retention_ms = *r;
      resume->retention = options_.retention;
    } else {
      const TargetFlags flags = ReadTargetFlags(client, target);
      if (!flags.retention_ms) {
        return Status::InvalidArgument(
            "cannot learn the target's retention: its /metrics page is not reachable through this URL",
            "give the target's -retentionPeriod yourself, e.g. -retention=31d");
      }
      retention_ms = *flags.retention_ms;
      resume->retention = flags.retention_text;
    }
    resume->min_timestamp_ms = NowMs() - retention_ms + kRetentionMarginMs;
  }
  const TimeShift& shift = options_.time_shift;
  const bool needs_scan = shift.mode == TimeShift::Mode::kNow || shift.mode == TimeShift::Mode::kAlign ||
                          options_.strict;
  resume->shift_ms = ShiftMillis(shift, 0, -1, NowMs());
  if (needs_scan) {
    // One pass before sending: finds the first/last sample for the shift, and with -strict
    // refuses a bundle with any malformed line before a single sample reaches the target.
    progress_.phase.store(ImportProgress::kScanning);
    ImportOptions scan_options = options_;
    scan_options.time_shift = TimeShift{};
    Result<PreflightReport> scan = RunPreflight(bundle_path_, scan_options, TargetFlags{}, &cancel_);
    if (!scan.ok()) return scan.status();
    if (options_.strict && scan->malformed_lines > 0) {
      const auto& [line, why] = scan->first_malformed.front();
      return Status::InvalidArgument(
          fmt::format("line {} of the bundle is malformed: {} ({} malformed lines in all)", line, why,
                      scan->malformed_lines),
          "nothing was imported (-strict); fix the lines or import without -strict to set them aside");
    }
    if (scan->samples > 0) resume->shift_ms = ShiftMillis(shift, scan->min_ts, scan->max_ts, NowMs());
  }
  resume->planned = true;
  return Status::Ok();
}

Status ImportPipeline::Run(ResumeState* resume, ImportReport* report) {
  const auto started = std::chrono::steady_clock::now();
  progress_.started_ms.store(NowMs());
  progress_.finished_ms.store(0);
  progress_.phase.store(ImportProgress::kStarting);
  cancel_.store(false);
  auto finish = [&](Status s) {
    report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    progress_.finished_ms.store(NowMs());
    progress_.phase.store(ImportProgress::kDone);
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

  if (!resume->planned) {
    if (Status s = Plan(client, *target, resume); !s.ok()) return finish(s);
  }
  report->shift_ms = resume->shift_ms;
  report->retention = resume->retention;

  Result<std::unique_ptr<BundleStream>> stream =
      BundleStream::Open(bundle_path_, {options_.max_decompressed_bytes, options_.max_line_bytes,
                                        options_.max_decompression_ratio});
  if (!stream.ok()) return finish(stream.status());
  report->bundle_format = BundleFormatName((*stream)->reader().format());
  progress_.phase.store(ImportProgress::kImporting);

  std::mutex sent_mu;
  BatchSender sender(client,
                     {.url = target->write_url,
                      .concurrency = options_.concurrency,
                      .max_attempts = options_.max_attempts,
                      .gzip_level = options_.gzip_level >= 0 ? options_.gzip_level
                                    : target->is_loopback()  ? 0
                                                             : 1},
                     [&](const ImportBatch& batch, size_t wire_bytes) {
                       progress_.samples_sent.fetch_add(batch.samples);
                       progress_.batches_sent.fetch_add(1);
                       progress_.wire_bytes_sent.fetch_add(wire_bytes);
                       std::lock_guard lock(sent_mu);
                       resume->sent_batches.insert(batch.index);
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
  ImportBatch batch;
  batch.body.reserve(options_.batch_bytes + (64 << 10));

  auto flush = [&]() -> Status {
    if (batch.body.empty()) return Status::Ok();
    batch.index = next_index++;
    bool already_sent = false;
    {
      std::lock_guard lock(sent_mu);
      already_sent = resume->sent_batches.count(batch.index) > 0;
    }
    Status s;
    if (already_sent) {
      progress_.samples_sent.fetch_add(batch.samples);
    } else {
      s = sender.Submit(std::move(batch));
    }
    batch = ImportBatch{};
    batch.body.reserve(options_.batch_bytes + (64 << 10));
    return s;
  };

  Status stream_status = (*stream)->ForEachLine(
      [&](std::string_view line, uint64_t n) -> Status {
        LineFacts f;
        const size_t before = batch.body.size();
        Status s = rewriter.Rewrite(line, &f, &batch.body);
        if (!s.ok()) {
          batch.body.resize(before);
          progress_.rejected_lines.fetch_add(1);
          if (report->rejects.size() < kMaxReportedRejects) report->rejects.push_back({n, s.message()});
          if (options_.strict) {
            return Status::InvalidArgument(fmt::format("line {} of the bundle is malformed: {}", n, s.message()));
          }
          return rejects.Add(n, s.message(), line);
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
      &progress_, &cancel_);
  if (stream_status.ok()) stream_status = flush();
  if (!stream_status.ok()) sender.Cancel();
  Status send_status = sender.Finish();

  report->lines = progress_.lines.load();
  report->lines_rejected = progress_.rejected_lines.load();
  if (rejects.used()) report->rejects_path = options_.rejects_path;
  report->series_sent = series.size();
  report->samples_sent = progress_.samples_sent.load();
  report->samples_trimmed = progress_.samples_trimmed.load();
  report->min_ts = min_ts;
  report->max_ts = max_ts;
  if (cancel_.load()) return finish(Status::Canceled());
  if (!stream_status.ok()) {
    return finish(stream_status.Wrap(fmt::format("cannot import bundle {}", bundle_path_)));
  }
  if (!send_status.ok()) return finish(send_status);

  if (options_.verify) {
    progress_.phase.store(ImportProgress::kVerifying);
    VerificationRequest vr;
    vr.read_base = target->read_base;
    vr.metric_names.insert(names.begin(), names.end());
    vr.min_ts = min_ts;
    vr.max_ts = max_ts;
    vr.series_sent = report->series_sent;
    vr.samples_sent = report->samples_sent;
    vr.timeout_seconds = options_.verify_timeout_seconds;
    if (target->tenant.empty()) vr.flush_url = target->read_base + "/internal/force_flush";
    Result<VerificationReport> v = VerifyImport(client, vr);
    if (!v.ok()) return finish(v.status());
    report->verification = *v;
    if (!v->ok()) {
      return finish(Status::Unavailable(fmt::format("the import was sent but does not verify: {}", v->message),
                                        "query the target to see what is missing"));
    }
  }
  return finish(Status::Ok());
}

}  // namespace vmx::importer
