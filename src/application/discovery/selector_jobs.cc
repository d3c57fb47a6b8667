#include "application/discovery/selector_jobs.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>

#include "application/discovery/query_rows.h"

namespace vmx {

bool IsSeriesSelector(const std::string& query) {
  static const std::regex kSelector(
      R"(^\s*([A-Za-z_:][A-Za-z0-9_:]*\s*(\{[^()]*\})?|\{[^()]*\})\s*$)");
  return std::regex_match(query, kSelector);
}

Result<QueryCheck> CheckQuery(VmClient& client, const std::string& query) {
  QueryCheck check;
  check.selector = IsSeriesSelector(query);
  // count() tells how many series match; one more query fetches a single series' labels.
  Result<nlohmann::json> count = client.Query(fmt::format("count({})", query));
  if (!count.ok()) {
    return Status::InvalidArgument(
        fmt::format("the query does not work: {}", count.status().message()),
        count.status().hint());
  }
  for (const auto& row : ResultRows(*count)) check.result_count += std::llround(SampleValue(row));
  Result<nlohmann::json> one = client.Query(fmt::format("limitk(1, {})", query));
  if (!one.ok()) return one.status().Wrap("cannot read the labels the query returns");
  const nlohmann::json& rows = ResultRows(*one);
  if (!rows.empty()) {
    auto metric = rows[0].find("metric");
    if (metric != rows[0].end() && metric->is_object()) {
      for (auto it = metric->begin(); it != metric->end(); ++it)
        check.sample_labels.push_back(it.key());
    }
    std::sort(check.sample_labels.begin(), check.sample_labels.end());
    const auto has = [&](const char* l) {
      return std::find(check.sample_labels.begin(), check.sample_labels.end(), l) !=
             check.sample_labels.end();
    };
    check.has_job = has("job");
    check.has_instance = has("instance");
  }
  return check;
}

Result<std::vector<SelectorJob>> DiscoverSelectorJobs(VmClient& client, const std::string& selector,
                                                      const TimeRange& range) {
  if (!IsSeriesSelector(selector)) {
    return Status::InvalidArgument(
        "selector must be a series selector such as {job=\"vmagent\"} or up{instance=~\"10.*\"}",
        "use query_type metricsql for other MetricsQL expressions");
  }
  // Over the whole range, not one instant: a job that stopped early still counts.
  Result<nlohmann::json> counts =
      client.Query(fmt::format("count by (job, instance) (last_over_time({}[{}]))", selector,
                               RangeWindow(range)),
                   range.end_ms);
  if (!counts.ok()) return counts.status().Wrap("cannot discover the jobs of the selector");
  std::map<std::string, std::pair<std::set<std::string>, int64_t>> by_job;
  bool jobless = false;
  for (const auto& row : ResultRows(*counts)) {
    const nlohmann::json& m = row.value("metric", nlohmann::json::object());
    const std::string job = LabelOf(m, "job");
    if (job.empty()) {
      jobless = true;
      continue;
    }
    auto& [instances, series] = by_job[job];
    if (std::string i = LabelOf(m, "instance"); !i.empty()) instances.insert(i);
    series += std::llround(SampleValue(row));
  }
  if (by_job.empty()) {
    if (jobless) {
      return Status::InvalidArgument(
          "the selector matches series without a job label",
          "export them with query_type metricsql, or add a job label to the selector");
    }
    return Status::NotFound("no series match the selector in the chosen range",
                            "check the selector and the time range");
  }
  std::vector<SelectorJob> jobs;
  for (const auto& [job, v] : by_job) {
    jobs.push_back(
        {.job = job, .instance_count = static_cast<int64_t>(v.first.size()), .series = v.second});
  }
  return jobs;
}

}  // namespace vmx
