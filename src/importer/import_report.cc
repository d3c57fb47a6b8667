#include "importer/import_report.h"

#include <fmt/format.h>

#include <chrono>

#include "importer/time_text.h"

namespace vmx::importer {
const char* ImportProgress::PhaseName(int phase) {
  switch (phase) {
    case kStarting:
      return "starting";
    case kScanning:
      return "scanning";
    case kImporting:
      return "importing";
    case kVerifying:
      return "verifying";
    case kDone:
      return "done";
  }
  return "unknown";
}

nlohmann::json ImportProgress::ToJson() const {
  const int64_t end_ms = finished_ms.load() != 0 ? finished_ms.load() : UnixNowMs();
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
      {"batches_uncertain", batches_uncertain.load()},
      {"samples_uncertain", samples_uncertain.load()},
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
      {"rejects_note", rejects_note},
      {"series_sent", series_sent},
      {"samples_sent", samples_sent},
      {"samples_trimmed", samples_trimmed},
      {"batches_sent", batches_sent},
      {"batches_skipped", batches_skipped},
      {"batches_uncertain", batches_uncertain},
      {"samples_uncertain", samples_uncertain},
      {"time_range",
       {{"start", samples_sent ? FormatInstantMs(min_ts) : ""},
        {"end", samples_sent ? FormatInstantMs(max_ts) : ""}}},
      {"shift_ms", shift_ms},
      {"retention", retention},
      {"target_max_labels",
       target_max_labels ? nlohmann::json(*target_max_labels) : nlohmann::json(nullptr)},
      {"series_over_label_limit", series_over_label_limit},
      {"seconds", seconds},
  };
  j["verification"] = verification ? verification->ToJson() : nlohmann::json(nullptr);
  return j;
}

std::string ImportReport::ToText() const {
  std::string out;
  out += fmt::format("target:          {}{}\n", target,
                     tenant.empty() ? "" : fmt::format(" (tenant {})", tenant));
  out += fmt::format("lines:           {} read, {} rejected\n", lines, lines_rejected);
  for (const RejectedLine& r : rejects) out += fmt::format("  line {}: {}\n", r.line, r.error);
  if (!rejects_path.empty()) out += fmt::format("rejected lines:  kept in {}\n", rejects_path);
  if (!rejects_note.empty()) out += fmt::format("                 ({})\n", rejects_note);
  out += fmt::format("sent:            {} series, {} samples in {:.1f}s\n", series_sent,
                     samples_sent, seconds);
  if (batches_skipped > 0) {
    out += fmt::format("resumed:         {} batches acknowledged earlier were not sent again\n",
                       batches_skipped);
  }
  if (batches_uncertain > 0) {
    out += fmt::format(
        "retried:         {} batches ({} samples) after a timeout, reset or 5xx; the target may "
        "have stored them twice\n",
        batches_uncertain, samples_uncertain);
  }
  if (samples_sent > 0) {
    out += fmt::format("time range:      {} .. {}\n", FormatInstantMs(min_ts),
                       FormatInstantMs(max_ts));
  }
  if (shift_ms != 0) out += fmt::format("time shift:      {}\n", FormatDurationMs(shift_ms));
  if (!retention.empty()) {
    out +=
        fmt::format("retention trim:  {} samples older than the target's retention ({}) skipped\n",
                    samples_trimmed, retention);
  }
  if (series_over_label_limit > 0 && target_max_labels) {
    out += fmt::format(
        "label limit:     {} series have more labels than the target's -maxLabelsPerTimeseries={}; "
        "VictoriaMetrics drops the labels past it, and series that become equal merge\n",
        series_over_label_limit, *target_max_labels);
  }
  if (verification) {
    out += fmt::format("verification:    {}: {}\n", verification->outcome, verification->message);
  }
  return out;
}

nlohmann::json ResumeState::ToJson() const {
  // Acknowledged batches as [first, last] runs: a long import acknowledges them mostly in order.
  nlohmann::json runs = nlohmann::json::array();
  for (auto it = sent_batches.begin(); it != sent_batches.end();) {
    const uint64_t first = *it;
    uint64_t last = first;
    while (++it != sent_batches.end() && *it == last + 1) ++last;
    runs.push_back({first, last});
  }
  nlohmann::json j = {{"planned", planned},
                      {"shift_ms", shift_ms},
                      {"min_timestamp_ms", min_timestamp_ms},
                      {"retention", retention},
                      {"sent_batches", runs},
                      {"has_window", has_window},
                      {"window_min_ts", window_min_ts},
                      {"window_max_ts", window_max_ts},
                      {"metric_names", metric_names}};
  j["baseline"] = baseline
                      ? nlohmann::json{{"series", baseline->series}, {"samples", baseline->samples}}
                      : nlohmann::json(nullptr);
  return j;
}

Result<ResumeState> ResumeState::FromJson(const nlohmann::json& j) {
  ResumeState r;
  try {
    r.planned = j.at("planned").get<bool>();
    r.shift_ms = j.at("shift_ms").get<int64_t>();
    r.min_timestamp_ms = j.at("min_timestamp_ms").get<int64_t>();
    r.retention = j.at("retention").get<std::string>();
    for (const auto& run : j.at("sent_batches")) {
      const uint64_t first = run.at(0).get<uint64_t>();
      const uint64_t last = run.at(1).get<uint64_t>();
      if (last < first || last - first > (1ULL << 32))
        return Status::InvalidArgument("a batch run is out of range");
      for (uint64_t b = first; b <= last; ++b) r.sent_batches.insert(b);
    }
    r.has_window = j.at("has_window").get<bool>();
    r.window_min_ts = j.at("window_min_ts").get<int64_t>();
    r.window_max_ts = j.at("window_max_ts").get<int64_t>();
    for (const auto& n : j.at("metric_names")) r.metric_names.insert(n.get<std::string>());
    if (!j.at("baseline").is_null()) {
      r.baseline = SampleCounts{j["baseline"].at("series").get<uint64_t>(),
                                j["baseline"].at("samples").get<uint64_t>()};
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(fmt::format("not a vmimport resume state: {}", e.what()));
  }
  return r;
}

}  // namespace vmx::importer
