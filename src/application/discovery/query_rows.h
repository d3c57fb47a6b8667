// Reading the "data" of VictoriaMetrics' /api/v1/query answers: result rows, labels and sample
// values, shared by the discovery queries.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "domain/time_range.h"

namespace vmx {

// The value of label `name` in a row's "metric" object; "" when absent.
std::string LabelOf(const nlohmann::json& metric, const char* name);

// A sample value as VictoriaMetrics writes it ("12", "NaN"); 0 when it is not a finite number.
double NumberOf(const nlohmann::json& v);

// The numeric value of an instant-vector sample ({"metric":…, "value":[t, "v"]}).
double SampleValue(const nlohmann::json& row);

// The "result" array of a query's data; an empty array when there is none.
const nlohmann::json& ResultRows(const nlohmann::json& data);

// A MetricsQL lookbehind window covering all of `range`, e.g. "86400s".
std::string RangeWindow(const TimeRange& range);

}  // namespace vmx
