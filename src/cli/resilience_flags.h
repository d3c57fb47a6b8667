// The flags that decide how exports ride out trouble, shared by `vmexporter` (the wizard's jobs)
// and `vmexporter export`: retry time and backoff, VictoriaMetrics timeouts, the window cap.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>

#include "application/export/export_job.h"
#include "common/status.h"

namespace vmx {

struct ResilienceFlags {
  std::string retry_max_time = "10m";
  std::string retry_min_backoff = "1s";
  std::string retry_max_backoff = "30s";
  std::string vm_connect_timeout = "10s";
  std::string vm_stall_timeout = "2m";
  size_t max_windows = 20'000;
};

// Declares -retry.maxTime, -retry.minBackoff, -retry.maxBackoff, -vm.connectTimeout,
// -vm.stallTimeout and -export.maxWindows on `app`.
void AddResilienceFlags(CLI::App& app, ResilienceFlags& flags);

// Sets the retry policy, timeouts and window cap of `options` from the flags; errors name the flag.
Status ApplyResilienceFlags(const ResilienceFlags& flags, ExportJobOptions* options);

}  // namespace vmx
