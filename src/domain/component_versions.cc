#include "domain/component_versions.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace vmx {

int CompareVersions(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = std::isdigit(static_cast<unsigned char>(a[i])) != 0;
    const bool db = std::isdigit(static_cast<unsigned char>(b[j])) != 0;
    if (da && db) {
      size_t ei = i, ej = j;
      while (ei < a.size() && std::isdigit(static_cast<unsigned char>(a[ei])) != 0) ++ei;
      while (ej < b.size() && std::isdigit(static_cast<unsigned char>(b[ej])) != 0) ++ej;
      // Equal-length digit runs compare as text; a longer run (no leading zeros) is larger.
      const std::string_view na = std::string_view(a).substr(i, ei - i);
      const std::string_view nb = std::string_view(b).substr(j, ej - j);
      if (na.size() != nb.size()) return na.size() < nb.size() ? -1 : 1;
      if (const int c = na.compare(nb); c != 0) return c;
      i = ei;
      j = ej;
    } else {
      if (a[i] != b[j]) return a[i] < b[j] ? -1 : 1;
      ++i;
      ++j;
    }
  }
  return (i < a.size()) - (j < b.size());
}

void ComponentVersions::Add(const std::string& component, const std::string& version,
                            const std::string& instance) {
  seen_[component][version].insert(instance);
}

std::string ComponentVersions::Newest(const std::string& component) const {
  auto it = seen_.find(component);
  std::string newest;
  if (it == seen_.end()) return newest;
  for (const auto& [version, instances] : it->second) {
    if (!version.empty() && (newest.empty() || CompareVersions(version, newest) > 0)) newest = version;
  }
  return newest;
}

std::map<std::string, std::string> ComponentVersions::NewestByComponent() const {
  std::map<std::string, std::string> out;
  for (const auto& [component, versions] : seen_) out[component] = Newest(component);
  return out;
}

nlohmann::json ComponentVersions::ToJson(const std::string& component) const {
  nlohmann::json out = nlohmann::json::array();
  auto it = seen_.find(component);
  if (it == seen_.end()) return out;
  std::vector<std::string> order;
  for (const auto& [version, instances] : it->second) order.push_back(version);
  std::sort(order.begin(), order.end(), [](const std::string& a, const std::string& b) {
    if (a.empty() != b.empty()) return b.empty();  // "not reported" last
    return CompareVersions(a, b) < 0;
  });
  for (const std::string& v : order) out.push_back({{"version", v}, {"instances", it->second.at(v).size()}});
  return out;
}

nlohmann::json ComponentVersions::ToJson() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [component, versions] : seen_) out[component] = ToJson(component);
  return out;
}

}  // namespace vmx
