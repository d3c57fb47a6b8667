#include "application/export/export_selection.h"

#include <cstring>

namespace vmx {

std::string RegexLiteral(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::strchr("\\.+*?()|[]{}^$", c) != nullptr) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string QuotedLabelValue(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out + "\"";
}

Result<ExportSelection> SelectionFor(const ExportConfig& config) {
  ExportSelection sel;
  if (config.mode == ExportMode::kCustom) {
    if (config.query.empty()) {
      return Status::InvalidArgument("query is required in custom mode", "e.g. {job=\"vmagent\"}");
    }
    sel.match = config.query;
    sel.metricsql = config.query_type == QueryType::kMetricsQL;
    return sel;
  }
  if (config.jobs.empty()) {
    return Status::InvalidArgument("jobs must name at least one job in cluster mode",
                                   "pick the jobs of the components in the wizard, or use custom mode");
  }
  if (config.jobs.size() == 1) {
    sel.match = "{job=" + QuotedLabelValue(config.jobs[0]) + "}";
    return sel;
  }
  std::string alternatives;
  for (const std::string& job : config.jobs) {
    if (!alternatives.empty()) alternatives += '|';
    alternatives += RegexLiteral(job);
  }
  sel.match = "{job=~" + QuotedLabelValue(alternatives) + "}";
  return sel;
}

}  // namespace vmx
