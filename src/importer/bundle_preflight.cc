#include "importer/bundle_preflight.h"

#include <fmt/format.h>

#include <chrono>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "importer/bundle_stream.h"
#include "importer/line_rewriter.h"
#include "importer/time_text.h"

namespace vmx::importer {
namespace {

constexpr int64_t kHourMs = 3'600'000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

nlohmann::json PreflightReport::ToJson() const {
  nlohmann::json bad = nlohmann::json::array();
  for (const auto& [line, why] : first_malformed) bad.push_back({{"line", line}, {"error", why}});
  nlohmann::json j = {
      {"bundle_format", bundle_format},
      {"lines", lines},
      {"malformed_lines", malformed_lines},
      {"first_malformed", bad},
      {"series", series},
      {"samples", samples},
      {"metric_names", metric_names},
      {"time_range", {{"start", samples ? FormatInstantMs(min_ts) : ""}, {"end", samples ? FormatInstantMs(max_ts) : ""}}},
      {"span_seconds", samples ? (max_ts - min_ts) / 1000 : 0},
      {"max_labels_per_series", max_labels_per_series},
      {"target_max_labels", target_max_labels ? nlohmann::json(*target_max_labels) : nlohmann::json(nullptr)},
      {"series_over_label_limit", series_over_label_limit},
      {"retention", retention},
      {"shift_ms", shift_ms},
      {"samples_outside_retention",
       samples_outside_retention ? nlohmann::json(*samples_outside_retention) : nlohmann::json(nullptr)},
  };
  nlohmann::json meta = nlohmann::json::parse(metadata_json, nullptr, false);
  j["metadata"] = meta.is_discarded() ? nlohmann::json(nullptr) : meta;
  return j;
}

Result<PreflightReport> RunPreflight(const std::string& path, const ImportOptions& options,
                                     const TargetFlags& flags, const std::atomic<bool>* cancel) {
  Result<std::unique_ptr<BundleStream>> stream =
      BundleStream::Open(path, {options.max_decompressed_bytes, options.max_line_bytes,
                                options.max_decompression_ratio});
  if (!stream.ok()) return stream.status();
  PreflightReport rep;
  rep.bundle_format = BundleFormatName((*stream)->reader().format());
  rep.metadata_json = (*stream)->reader().metadata_json();
  rep.target_max_labels = flags.max_labels_per_series;
  const int label_limit = flags.max_labels_per_series.value_or(std::numeric_limits<int>::max());

  LineRewriter checker(RewriteRules{});
  std::string scratch;
  std::unordered_map<uint64_t, bool> series;  // hash -> over the label limit
  std::set<std::string, std::less<>> names;
  std::map<int64_t, uint64_t> samples_per_hour;
  int64_t min_ts = std::numeric_limits<int64_t>::max();
  int64_t max_ts = std::numeric_limits<int64_t>::min();
  StreamProgress progress;
  Status s = (*stream)->ForEachLine(
      [&](std::string_view line, uint64_t n) -> Status {
        LineFacts f;
        scratch.clear();
        Status ls = checker.Rewrite(line, &f, &scratch);
        if (!ls.ok()) {
          ++rep.malformed_lines;
          if (rep.first_malformed.size() < 20) rep.first_malformed.emplace_back(n, ls.message());
          return Status::Ok();
        }
        rep.samples += f.samples_in;
        rep.max_labels_per_series = std::max<uint64_t>(rep.max_labels_per_series, f.labels);
        series.emplace(f.series_hash, static_cast<int>(f.labels) > label_limit);
        if (names.find(f.metric_name) == names.end()) names.emplace(f.metric_name);
        if (f.samples_in > 0) {
          min_ts = std::min(min_ts, f.min_ts);
          max_ts = std::max(max_ts, f.max_ts);
          // Samples of a line are spread over its span; bucket them evenly by hour.
          const int64_t first_hour = FloorDiv(f.min_ts, kHourMs);
          const int64_t last_hour = FloorDiv(f.max_ts, kHourMs);
          const uint64_t hours = static_cast<uint64_t>(last_hour - first_hour + 1);
          for (int64_t h = first_hour; h <= last_hour; ++h) {
            samples_per_hour[h] += f.samples_in / hours + (h == first_hour ? f.samples_in % hours : 0);
          }
        }
        return Status::Ok();
      },
      &progress, cancel);
  if (!s.ok()) return s;
  rep.lines = progress.lines.load();
  rep.series = series.size();
  for (const auto& [hash, over] : series) rep.series_over_label_limit += over ? 1 : 0;
  rep.metric_names = names.size();
  if (rep.samples > 0) {
    rep.min_ts = min_ts;
    rep.max_ts = max_ts;
  }
  rep.shift_ms = rep.samples ? ShiftMillis(options.time_shift, min_ts, max_ts, NowMs()) : 0;
  std::optional<int64_t> retention_ms;
  if (!options.retention.empty()) {
    Result<int64_t> r = ParseRetentionMs(options.retention);
    if (!r.ok()) return r.status();
    retention_ms = *r;
    rep.retention = options.retention;
  } else if (flags.retention_ms) {
    retention_ms = flags.retention_ms;
    rep.retention = flags.retention_text;
  }
  if (retention_ms) {
    const int64_t cutoff = NowMs() - *retention_ms;
    uint64_t outside = 0;
    for (const auto& [hour, n] : samples_per_hour) {
      if ((hour + 1) * kHourMs + rep.shift_ms <= cutoff) outside += n;
    }
    rep.samples_outside_retention = outside;
  }
  return rep;
}

}  // namespace vmx::importer
