#include "server/sample_rows.h"

#include <string>

namespace vmx {

nlohmann::json SampleRowsOf(const nlohmann::json& series) {
  nlohmann::json samples = nlohmann::json::array();
  for (const nlohmann::json& row : series) {
    const nlohmann::json& labels = row.value("metric", nlohmann::json::object());
    const std::string metric_name = labels.value("__name__", "");
    samples.push_back({{"name", metric_name.empty() ? "unknown" : metric_name},
                       {"metric_name", metric_name},
                       {"labels", labels},
                       {"value", row.value("value", nlohmann::json())},
                       {"timestamp", row.value("timestamp", nlohmann::json())}});
  }
  return samples;
}

}  // namespace vmx
