// Component classification: which VictoriaMetrics component a series or job belongs to, from
// metric-name prefixes or the `version` label of vm_app_version. The export engine and discovery
// may reuse these functions.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace vmx {

// Returns the component whose own metrics start like `metric_name` ("vm_rpc_rows_sent_total" ->
// "vminsert", "vmagent_remotewrite_…" -> "vmagent"), or "" for metrics every component exposes
// (go_*, process_*, flag, vm_cache_*…).
std::string_view ComponentFromMetricName(std::string_view metric_name);

// Returns the component named by a vm_app_version `version` label
// ("vmstorage-20240101-000000-tags-v1.97.1-cluster-0-g…" -> "vmstorage",
// "victoria-metrics-…" -> "vmsingle"), or "" when it names none we know.
std::string_view ComponentFromVersion(std::string_view version);

// Returns the name used in pseudonyms for a component told by a caller: known names and aliases
// map to one spelling ("victoria-metrics" -> "vmsingle"), other plain names ([a-z0-9-], up to 32
// characters) are kept lower-cased, anything else becomes "unknown".
std::string NormalizeComponent(std::string_view component);

// Returns the number a component contributes as X in 777.777.X.Y: 1 vmstorage, 2 vminsert,
// 3 vmselect, 4 vmagent, 5 vmalert, 6 vmauth, 7 vmsingle, 8 vmbackupmanager, 9 vmanomaly,
// 0 for anything else (including "unknown").
int ComponentNumber(std::string_view component);

}  // namespace vmx
