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

std::string JobsMatcher(const std::vector<std::string>& jobs) {
  if (jobs.size() == 1) return "job=" + QuotedLabelValue(jobs[0]);
  std::string alternatives;
  for (const std::string& job : jobs) {
    if (!alternatives.empty()) alternatives += '|';
    alternatives += RegexLiteral(job);
  }
  return "job=~" + QuotedLabelValue(alternatives);
}

std::string WithJobFilter(const std::string& selector, const std::vector<std::string>& jobs) {
  const std::string matcher = JobsMatcher(jobs);
  const size_t close = selector.rfind('}');
  if (close == std::string::npos) return selector + "{" + matcher + "}";
  const size_t open = selector.find('{');
  const bool empty = selector.find_first_not_of(" \t", open + 1) == close;
  return selector.substr(0, close) + (empty ? "" : ",") + matcher + selector.substr(close);
}

Result<ExportSelection> SelectionFor(const ExportConfig& config) {
  ExportSelection sel;
  if (config.mode == ExportMode::kCustom) {
    if (config.query.empty()) {
      return Status::InvalidArgument("query is required in custom mode", "e.g. {job=\"vmagent\"}");
    }
    sel.match = config.query;
    sel.metricsql = config.query_type == QueryType::kMetricsQL;
    // vmgather's UI lists the jobs a selector reaches and sends the ones the user kept.
    if (!sel.metricsql && !config.jobs.empty())
      sel.match = WithJobFilter(config.query, config.jobs);
    return sel;
  }
  if (config.jobs.empty()) {
    return Status::InvalidArgument(
        "jobs must name at least one job in cluster mode",
        "pick the jobs of the components in the wizard, or use custom mode");
  }
  sel.match = "{" + JobsMatcher(config.jobs) + "}";
  return sel;
}

}  // namespace vmx
