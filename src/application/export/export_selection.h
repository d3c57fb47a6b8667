// ExportSelection: what an export asks VictoriaMetrics for, derived from the config: in cluster
// mode every series of the chosen jobs, in custom mode the user's selector or MetricsQL query.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/export_config.h"

namespace vmx {

struct ExportSelection {
  std::string match;       // match[] for /api/v1/export, or the MetricsQL query
  bool metricsql = false;  // true: evaluate with query_range instead of exporting
};

// The selection for `config`; an error names the missing or wrong field. In custom selector mode,
// jobs (if any) narrow the selector.
Result<ExportSelection> SelectionFor(const ExportConfig& config);

// `job="a"` for one job, `job=~"a|b"` (literal names) for several.
std::string JobsMatcher(const std::vector<std::string>& jobs);

// `selector` (`name`, `name{…}` or `{…}`) with JobsMatcher(jobs) added to its matchers.
std::string WithJobFilter(const std::string& selector, const std::vector<std::string>& jobs);

// Escapes regular-expression metacharacters so `s` matches itself literally in =~.
std::string RegexLiteral(std::string_view s);

// Escapes `s` for use inside a double-quoted MetricsQL label value.
std::string QuotedLabelValue(std::string_view s);

}  // namespace vmx
