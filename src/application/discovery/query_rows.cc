#include "application/discovery/query_rows.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace vmx {

std::string LabelOf(const nlohmann::json& metric, const char* name) {
  auto it = metric.find(name);
  return it != metric.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double NumberOf(const nlohmann::json& v) {
  if (!v.is_string()) return 0;
  char* end = nullptr;
  const std::string& s = v.get_ref<const std::string&>();
  const double d = std::strtod(s.c_str(), &end);
  return end != s.c_str() && std::isfinite(d) ? d : 0;
}

double SampleValue(const nlohmann::json& row) {
  const auto& v = row.value("value", nlohmann::json::array());
  if (!v.is_array() || v.size() < 2) return 0;
  return NumberOf(v[1]);
}

const nlohmann::json& ResultRows(const nlohmann::json& data) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  auto it = data.find("result");
  return it != data.end() && it->is_array() ? *it : kEmpty;
}

std::string RangeWindow(const TimeRange& range) {
  const int64_t seconds = std::max<int64_t>(1, (range.duration_ms() + 999) / 1000);
  return std::to_string(seconds) + "s";
}

}  // namespace vmx
