#include "application/discovery/series_sampler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

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

}  // namespace

Result<nlohmann::json> SampleSeries(const ExportConfig& input, int64_t limit) {
  ExportConfig config = input;
  limit = std::clamp<int64_t>(limit, 1, kMaxSampleSeries);
  Result<Connection> conn = NormalizeConnection(config.connection);
  if (!conn.ok()) return conn.status().Wrap("connection");
  config.connection = *conn;
  Result<ExportSelection> selection = SelectionFor(config);
  if (!selection.ok()) return selection.status();

  VmClient client(config.connection);
  std::vector<nlohmann::json> metrics;
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
  for (const nlohmann::json& m : metrics) {
    std::vector<Label> labels = LabelsOf(m);
    if (obfuscator) obfuscator->RewriteSeries(labels);
    out.push_back({{"metric", MetricOf(labels)}});
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
