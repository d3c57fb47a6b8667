// Turns a query_range matrix into export JSON lines, for VictoriaMetrics endpoints that have no
// /api/v1/export route and for MetricsQL selections.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/status.h"

namespace vmx {

// Calls `on_line` with one {"metric","values","timestamps"} line per series of `data`
// ({"resultType":"matrix","result":[…]}). NaN becomes null, ±Inf the strings VictoriaMetrics uses.
Status QueryRangeToExportLines(const nlohmann::json& data,
                               const std::function<Status(std::string_view line)>& on_line);

}  // namespace vmx
