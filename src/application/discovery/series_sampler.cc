#include "application/discovery/series_sampler.h"

#include <spdlog/spdlog.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <vector>

#include "application/discovery/cluster_jobs.h"
#include "application/discovery/job_component_hints.h"
#include "application/export/export_selection.h"
#include "application/obfuscator_registry.h"
#include "infrastructure/vm/url_normalizer.h"
#include "infrastructure/vm/vm_client.h"

namespace vmx {
namespace {

// Points of the range query used for MetricsQL previews: enough to see series that exist only
// part of the range, few enough to stay cheap.
constexpr int64_t kMetricsqlPoints = 60;

std::vector<Label> LabelsOf(const nlohmann::json& metric) {
  std::vector<Label> labels;
  if (!metric.is_object()) return labels;
  for (const auto& [name, value] : metric.items()) {
    if (value.is_string()) labels.push_back(Label{name, value.get<std::string>()});
  }
  return labels;
}

nlohmann::json MetricOf(const std::vector<Label>& labels) {
  nlohmann::json m = nlohmann::json::object();
  for (const Label& l : labels) m[l.name] = l.value;
  return m;
}

// The newest point of a [ts, "value"] pair as vmgather's {value, timestamp (ms)}; null for
// values JSON cannot carry (NaN, ±Inf) or a malformed point.
std::pair<nlohmann::json, nlohmann::json> PointOf(const nlohmann::json& point) {
  if (!point.is_array() || point.size() != 2 || !point[0].is_number() || !point[1].is_string())
    return {nullptr, nullptr};
  const std::string text = point[1].get<std::string>();
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  const nlohmann::json ts = static_cast<int64_t>(point[0].get<double>() * 1000 + 0.5);
  if (end == text.c_str() || !std::isfinite(v)) return {nullptr, ts};
  return {v, ts};
}

// Each sampled series' newest value within the last hour of the range (one instant query), by
// its label set; a series silent in that hour has none.
std::map<std::string, nlohmann::json> LastPoints(VmClient& client, const std::string& match,
                                                 const TimeRange& range) {
  const int64_t window_s = std::clamp<int64_t>(range.duration_ms() / 1000, 1, 3600);
  Result<nlohmann::json> data = client.Query(
      fmt::format("last_over_time({}[{}s]) keep_metric_names", match, window_s), range.end_ms);
  std::map<std::string, nlohmann::json> out;
  if (!data.ok()) return out;  // values are a courtesy of the preview, not a reason to fail it
  for (const auto& row : data->value("result", nlohmann::json::array())) {
    out[row.value("metric", nlohmann::json::object()).dump()] =
        row.value("value", nlohmann::json());
  }
  return out;
}

}  // namespace

Result<nlohmann::json> SampleSeries(const ExportConfig& input, int64_t limit) {
  ExportConfig config = input;
  limit = std::clamp<int64_t>(limit, 1, kMaxSampleSeries);
  Result<Connection> conn = NormalizeConnection(config.connection);
  if (!conn.ok()) return conn.status().Wrap("connection");
  config.connection = *conn;
  VmClient client(config.connection);
  if (Status s = ResolveClusterJobs(config, client); !s.ok())
    return s.Wrap("cannot preview series");
  Result<ExportSelection> selection = SelectionFor(config);
  if (!selection.ok()) return selection.status();

  std::vector<nlohmann::json> metrics;
  std::vector<nlohmann::json> points;  // the newest [ts, "value"] of each, where known
  bool truncated = false;
  if (selection->metricsql) {
    const int64_t step_s =
        std::max<int64_t>(1, config.time_range.duration_ms() / 1000 / kMetricsqlPoints);
    Result<nlohmann::json> data = client.QueryRange(selection->match, config.time_range, step_s);
    if (!data.ok()) return data.status().Wrap("cannot preview the query");
    const nlohmann::json& result = data->value("result", nlohmann::json::array());
    for (const auto& row : result) {
      if (static_cast<int64_t>(metrics.size()) >= limit) {
        truncated = true;
        break;
      }
      metrics.push_back(row.value("metric", nlohmann::json::object()));
      const nlohmann::json& values = row.value("values", nlohmann::json::array());
      points.push_back(values.empty() ? nlohmann::json() : values.back());
    }
  } else {
    // One more than asked tells whether there are more.
    Result<nlohmann::json> series = client.Series({selection->match}, config.time_range, limit + 1);
    if (!series.ok()) return series.status().Wrap("cannot preview series");
    for (const auto& s : *series) {
      if (static_cast<int64_t>(metrics.size()) >= limit) {
        truncated = true;
        break;
      }
      metrics.push_back(s);
    }
    std::map<std::string, nlohmann::json> last =
        LastPoints(client, selection->match, config.time_range);
    for (const nlohmann::json& m : metrics) {
      auto it = last.find(m.dump());
      points.push_back(it == last.end() ? nlohmann::json() : it->second);
    }
  }

  // Same obfuscator instance and job->component hints as the export job, so pseudonyms agree.
  std::shared_ptr<Obfuscator> obfuscator;
  if (config.obfuscation.enabled || !config.obfuscation.drop_labels.empty()) {
    obfuscator = ObfuscatorFor(config.obfuscation);
    if (Status hints = ResolveJobComponents(config, client); !hints.ok()) {
      return hints.Wrap("cannot preview series");
    }
    TeachJobComponents(config, *obfuscator);
    const std::vector<std::string> match =
        selection->metricsql ? std::vector<std::string>{} : std::vector{selection->match};
    if (Status taught = TeachSelection(config, client, match, *obfuscator); !taught.ok()) {
      spdlog::warn("{}", taught.ToString());
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < metrics.size(); ++i) {
    std::vector<Label> labels = LabelsOf(metrics[i]);
    if (obfuscator) obfuscator->RewriteSeries(labels);
    const auto [value, timestamp] = PointOf(points[i]);
    out.push_back({{"metric", MetricOf(labels)}, {"value", value}, {"timestamp", timestamp}});
  }
  return nlohmann::json{{"series", out},
                        {"count", out.size()},
                        {"limit", limit},
                        {"truncated", truncated},
                        {"obfuscated", config.obfuscation.enabled},
                        {"time_range", TimeRangeToJson(config.time_range)},
                        {"selector", selection->metricsql ? "" : selection->match}};
}

}  // namespace vmx
