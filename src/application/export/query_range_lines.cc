#include "application/export/query_range_lines.h"

#include <cmath>
#include <string>

#include "application/export/series_line_rewriter.h"

namespace vmx {

Status QueryRangeToExportLines(const nlohmann::json& data,
                               const std::function<Status(std::string_view line)>& on_line) {
  if (!data.is_object() || data.value("resultType", "") != "matrix" || !data.contains("result") ||
      !data["result"].is_array()) {
    return Status::Unavailable("query_range answered something other than a matrix");
  }
  std::string line;
  for (const nlohmann::json& series : data["result"]) {
    line = "{\"metric\":{";
    bool first = true;
    const nlohmann::json metric = series.value("metric", nlohmann::json::object());
    for (const auto& [name, value] : metric.items()) {
      if (!first) line += ',';
      first = false;
      AppendJsonString(name, &line);
      line += ':';
      AppendJsonString(value.is_string() ? value.get<std::string>() : value.dump(), &line);
    }
    std::string values = "[", timestamps = "[";
    const nlohmann::json points = series.value("values", nlohmann::json::array());
    for (const nlohmann::json& point : points) {
      if (!point.is_array() || point.size() != 2 || !point[1].is_string()) continue;
      const double ts = point[0].is_number() ? point[0].get<double>() : 0;
      const std::string v = point[1].get<std::string>();
      if (values.size() > 1) {
        values += ',';
        timestamps += ',';
      }
      timestamps += std::to_string(std::llround(ts * 1000));
      if (v == "NaN") {
        values += "null";
      } else if (v == "+Inf" || v == "Inf") {
        values += "\"Infinity\"";
      } else if (v == "-Inf") {
        values += "\"-Infinity\"";
      } else {
        values += v;
      }
    }
    line += "},\"values\":" + values + "],\"timestamps\":" + timestamps + "]}";
    if (Status s = on_line(line); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace vmx
