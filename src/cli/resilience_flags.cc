#include "cli/resilience_flags.h"

#include <fmt/format.h>

#include "common/duration.h"

namespace vmx {

void AddResilienceFlags(CLI::App& app, ResilienceFlags& f) {
  app.add_option("--retry.maxTime", f.retry_max_time,
                 "How long one VictoriaMetrics call of an export (a window, a series count) keeps "
                 "being retried "
                 "after refused or reset connections, stalls, cut answers, 429 or 5xx. Long enough "
                 "to outlast a "
                 "restart or rolling update; shorter gives up sooner")
      ->default_str(f.retry_max_time);
  app.add_option(
         "--retry.minBackoff", f.retry_min_backoff,
         "The first pause between retries; it doubles up to -retry.maxBackoff (with jitter)")
      ->default_str(f.retry_min_backoff);
  app.add_option("--retry.maxBackoff", f.retry_max_backoff, "The longest pause between retries")
      ->default_str(f.retry_max_backoff);
  app.add_option("--vm.connectTimeout", f.vm_connect_timeout,
                 "How long connecting to VictoriaMetrics may take")
      ->default_str(f.vm_connect_timeout);
  app.add_option("--vm.stallTimeout", f.vm_stall_timeout,
                 "A VictoriaMetrics answer with no byte for this long is aborted and retried "
                 "(streams are never "
                 "capped in total)")
      ->default_str(f.vm_stall_timeout);
  app.add_option("--export.maxWindows", f.max_windows,
                 "The most time windows one export may be cut into; more means a larger "
                 "-batch-window or a shorter "
                 "range is needed (each window costs a request and a staging file)")
      ->default_str(std::to_string(f.max_windows));
}

Status ApplyResilienceFlags(const ResilienceFlags& f, ExportJobOptions* o) {
  const auto parse = [](const char* flag, const std::string& text,
                        std::chrono::milliseconds* out) -> Status {
    Result<int64_t> ms = ParseDurationMillis(text);
    if (!ms.ok() || *ms <= 0) {
      return Status::InvalidArgument(fmt::format("-{}={:?} is not a positive duration", flag, text),
                                     "use a duration like 500ms, 30s, 10m or 1h");
    }
    *out = std::chrono::milliseconds(*ms);
    return Status::Ok();
  };
  for (Status s : {parse("retry.maxTime", f.retry_max_time, &o->retry.max_time),
                   parse("retry.minBackoff", f.retry_min_backoff, &o->retry.first_backoff),
                   parse("retry.maxBackoff", f.retry_max_backoff, &o->retry.max_backoff),
                   parse("vm.connectTimeout", f.vm_connect_timeout, &o->connect_timeout),
                   parse("vm.stallTimeout", f.vm_stall_timeout, &o->stall_timeout)}) {
    if (!s.ok()) return s;
  }
  if (f.max_windows == 0) return Status::InvalidArgument("-export.maxWindows must be at least 1");
  o->max_windows = f.max_windows;
  return Status::Ok();
}

}  // namespace vmx
