#include "application/export/export_status_view.h"

#include "domain/export_config.h"

namespace vmx {

const char* ExportJobStateName(ExportJobState s) {
  switch (s) {
    case ExportJobState::kPending:
      return "pending";
    case ExportJobState::kRunning:
      return "running";
    case ExportJobState::kCompleted:
      return "completed";
    case ExportJobState::kFailed:
      return "failed";
    case ExportJobState::kCanceled:
      return "canceled";
  }
  return "unknown";
}

nlohmann::json ExportResultJson(const ExportResult& r) {
  return {{"export_id", r.export_id},
          {"archive_path", r.archive_path},
          {"archive_name", r.archive_name},
          {"archive_size_bytes", r.archive_size_bytes},
          {"metrics_exported", r.lines_exported},
          {"series_exported", r.series_exported},
          {"samples_exported", r.samples_exported},
          {"sha256", r.sha256},
          {"time_range", TimeRangeToJson(r.time_range)},
          {"obfuscation_applied", r.obfuscation_applied}};
}

nlohmann::json ExportStatusJson(const ExportStatusView& v) {
  const auto range_text = [](const TimeRange& r) {
    return FormatRfc3339(r.start_ms) + " .. " + FormatRfc3339(r.end_ms);
  };
  // vmgather's eta is the expected end time; it is absent once the job has stopped.
  nlohmann::json eta = nullptr;
  if (v.state == ExportJobState::kRunning && v.eta_seconds) {
    eta = FormatRfc3339(NowMillis() + *v.eta_seconds * 1000);
  }
  nlohmann::json j = {
      {"job_id", v.job_id},
      {"state", ExportJobStateName(v.state)},
      {"total_batches", v.total_batches},
      {"completed_batches", v.completed_batches},
      {"progress", v.progress},
      {"metrics_processed", v.metrics_processed},
      {"samples_processed", v.samples_processed},
      {"eta", eta},
      {"eta_seconds", v.eta_seconds ? nlohmann::json(*v.eta_seconds) : nlohmann::json(nullptr)},
      {"current_range",
       v.current_range ? TimeRangeToJson(*v.current_range) : nlohmann::json(nullptr)},
      {"current_range_text",
       v.current_range ? nlohmann::json(range_text(*v.current_range)) : nlohmann::json(nullptr)},
      {"last_batch_duration_seconds", v.last_batch_seconds},
      {"average_batch_seconds", v.average_batch_seconds},
      {"retries", v.retries},
      {"retrying", v.retrying.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.retrying)},
      {"error", nullptr},
      {"result", nullptr},
      {"source", v.source},
      {"batch_window_seconds", v.batch_window_seconds},
      {"staging_path", v.staging_path},
      {"obfuscation_enabled", v.obfuscation_enabled},
      {"time_range", TimeRangeToJson(v.time_range)}};
  if (v.started_at_ms > 0) j["started_at"] = FormatRfc3339(v.started_at_ms);
  if (v.completed_at_ms > 0) j["completed_at"] = FormatRfc3339(v.completed_at_ms);
  if (v.state == ExportJobState::kFailed) {
    j["error"] = v.error.message();
    if (!v.error.hint().empty()) j["hint"] = v.error.hint();
  }
  j["resumable"] = v.resumable;
  if (v.result) j["result"] = ExportResultJson(*v.result);
  return j;
}

}  // namespace vmx
