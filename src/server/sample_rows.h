// vmgather's preview rows, built from our /api/sample series rows.
#pragma once

#include <nlohmann/json.hpp>

namespace vmx {

// [{name, metric_name, labels, value, timestamp}] for `series` ([{metric, value, timestamp}] as
// SampleSeries returns them): `name` is the metric name or "unknown", `labels` every label
// (already obfuscated) including __name__.
nlohmann::json SampleRowsOf(const nlohmann::json& series);

}  // namespace vmx
