#include "importer/preflight_tally.h"

#include <algorithm>
#include <limits>

#include "importer/time_text.h"

namespace vmx::importer {
namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr size_t kMaxReportedMalformed = 20;

// Floor division that cannot overflow (b > 0): -a would, at INT64_MIN.
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b < 0 ? 1 : 0); }

int64_t SaturatedAdd(int64_t a, int64_t b) {
  int64_t r = 0;
  if (!__builtin_add_overflow(a, b, &r)) return r;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

}  // namespace

int64_t PreflightReport::shifted_min_ts() const { return SaturatedAdd(min_ts, shift_ms); }
int64_t PreflightReport::shifted_max_ts() const { return SaturatedAdd(max_ts, shift_ms); }

nlohmann::json PreflightReport::ToJson() const {
  nlohmann::json bad = nlohmann::json::array();
  for (const auto& [line, why] : first_malformed) bad.push_back({{"line", line}, {"error", why}});
  const auto range = [&](int64_t a, int64_t b) -> nlohmann::json {
    return {{"start", samples ? FormatInstantMs(a) : ""},
            {"end", samples ? FormatInstantMs(b) : ""}};
  };
  nlohmann::json j = {
      {"bundle_format", bundle_format},
      {"lines", lines},
      {"malformed_lines", malformed_lines},
      {"first_malformed", bad},
      {"series", series},
      {"samples", samples},
      {"metric_names", metric_names},
      {"time_range", range(min_ts, max_ts)},
      {"shifted_time_range", range(shifted_min_ts(), shifted_max_ts())},
      // A shift that lands samples in the future: VictoriaMetrics accepts them, but they show
      // up in no dashboard until their time comes.
      {"shifted_into_future", samples > 0 && shifted_max_ts() > now_ms},
      {"span_seconds", samples ? (static_cast<uint64_t>(max_ts) - static_cast<uint64_t>(min_ts)) / 1000 : 0},
      {"max_labels_per_series", max_labels_per_series},
      {"target_max_labels",
       target_max_labels ? nlohmann::json(*target_max_labels) : nlohmann::json(nullptr)},
      {"series_over_label_limit", series_over_label_limit},
      {"retention", retention},
      {"shift_ms", shift_ms},
      {"samples_outside_retention", samples_outside_retention
                                        ? nlohmann::json(*samples_outside_retention)
                                        : nlohmann::json(nullptr)},
  };
  nlohmann::json meta = nlohmann::json::parse(metadata_json, nullptr, false);
  j["metadata"] = meta.is_discarded() ? nlohmann::json(nullptr) : meta;
  return j;
}

PreflightTally::PreflightTally()
    : checker_(RewriteRules{}),
      min_ts_(std::numeric_limits<int64_t>::max()),
      max_ts_(std::numeric_limits<int64_t>::min()),
      bucket_ms_(kHourMs) {}

void PreflightTally::AddBadLine(uint64_t line_number, const Status& why) {
  ++malformed_;
  if (first_malformed_.size() < kMaxReportedMalformed)
    first_malformed_.emplace_back(line_number, why.message());
}

void PreflightTally::AddLine(std::string_view line, uint64_t line_number) {
  LineFacts f;
  scratch_.clear();
  if (Status s = checker_.Rewrite(line, &f, &scratch_); !s.ok()) return AddBadLine(line_number, s);
  samples_ += f.samples_in;
  max_labels_ = std::max<uint64_t>(max_labels_, f.labels);
  series_.emplace(f.series_hash, static_cast<uint32_t>(std::min<size_t>(f.labels, UINT32_MAX)));
  if (names_.find(f.metric_name) == names_.end()) names_.emplace(f.metric_name);
  if (f.samples_in == 0) return;
  min_ts_ = std::min(min_ts_, f.min_ts);
  max_ts_ = std::max(max_ts_, f.max_ts);
  Spread(f.min_ts, f.max_ts, f.samples_in);
}

// A line's samples count evenly over the buckets of its span (the remainder in the first), as
// two or four integer rate changes: constant work and memory whatever the span.
void PreflightTally::Spread(int64_t first_ms, int64_t last_ms, uint64_t samples) {
  const int64_t a = FloorDiv(first_ms, bucket_ms_);
  const int64_t b = FloorDiv(last_ms, bucket_ms_);  // |a|, |b| <= INT64_MAX / 3.6e6: b + 1 is safe
  const uint64_t buckets = static_cast<uint64_t>(b - a) + 1;
  const auto per_bucket = static_cast<int64_t>(samples / buckets);
  const auto remainder = static_cast<int64_t>(samples % buckets);
  if (per_bucket != 0) {
    rate_changes_[a] += per_bucket;
    rate_changes_[b + 1] -= per_bucket;
  }
  if (remainder != 0) {
    rate_changes_[a] += remainder;
    rate_changes_[a + 1] -= remainder;
  }
  if (rate_changes_.size() > kMaxBoundaries) Coarsen();
}

// Doubles the bucket width until the rate changes fit in half the bound. Exact for the coarser
// buckets: with r(h) the samples in old bucket h and d(k) its changes, the new bucket H holds
// r(2H) + r(2H+1), whose change is 2 d(2H) + d(2H-1) + d(2H+1).
void PreflightTally::Coarsen() {
  while (rate_changes_.size() > kMaxBoundaries / 2 &&
         bucket_ms_ <= std::numeric_limits<int64_t>::max() / 2) {
    std::map<int64_t, int64_t> merged;
    for (const auto& [bucket, change] : rate_changes_) {
      const int64_t half = FloorDiv(bucket, 2);
      if (bucket % 2 == 0) {
        merged[half] += 2 * change;
      } else {
        merged[half] += change;
        merged[half + 1] += change;
      }
    }
    std::erase_if(merged, [](const auto& kv) { return kv.second == 0; });
    rate_changes_ = std::move(merged);
    bucket_ms_ *= 2;
  }
}

uint64_t PreflightTally::SamplesInBucketsEndingBy(__int128 end_ms) const {
  // Buckets h with (h + 1) * width <= end_ms, i.e. h < floor(end_ms / width).
  __int128 limit = end_ms / bucket_ms_ - (end_ms % bucket_ms_ < 0 ? 1 : 0);
  __int128 total = 0;
  __int128 rate = 0;
  __int128 from = 0;
  for (const auto& [bucket, change] : rate_changes_) {
    if (bucket >= limit) {
      total += rate * (limit - from > 0 ? limit - from : 0);
      rate = 0;
      break;
    }
    total += rate * (bucket - from);
    rate += change;
    from = bucket;
  }
  if (rate > 0 && limit > from) total += rate * (limit - from);
  if (total < 0) return 0;
  return total > static_cast<__int128>(samples_) ? samples_ : static_cast<uint64_t>(total);
}

void PreflightTally::Finish(const TimeShift& shift, std::optional<int64_t> retention_ms,
                            std::optional<int> label_limit, int64_t now_ms,
                            PreflightReport* rep) const {
  rep->malformed_lines = malformed_;
  rep->first_malformed = first_malformed_;
  rep->samples = samples_;
  rep->series = series_.size();
  rep->series_over_label_limit = 0;
  if (label_limit) {
    const auto limit = static_cast<uint32_t>(std::max(0, *label_limit));
    for (const auto& [hash, labels] : series_)
      rep->series_over_label_limit += labels > limit ? 1 : 0;
  }
  rep->metric_names = names_.size();
  rep->max_labels_per_series = max_labels_;
  rep->target_max_labels = label_limit;
  rep->now_ms = now_ms;
  if (samples_ > 0) {
    rep->min_ts = min_ts_;
    rep->max_ts = max_ts_;
  }
  rep->shift_ms = samples_ ? ShiftMillis(shift, min_ts_, max_ts_, now_ms) : 0;
  if (retention_ms) {
    // Samples whose shifted time is at or before now - retention, bucket by bucket.
    const __int128 cutoff = static_cast<__int128>(now_ms) - *retention_ms - rep->shift_ms;
    rep->samples_outside_retention = SamplesInBucketsEndingBy(cutoff);
  }
}

}  // namespace vmx::importer
