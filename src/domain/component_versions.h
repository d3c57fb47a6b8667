// Which versions of each VictoriaMetrics component ran in a time range, and on how many instances:
// a cluster mid-upgrade runs two, and support needs both. A version "" means the build reported
// none (Debian's packages leave vm_app_version's `version` and `short_version` empty).
//
// A value type; not thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>

namespace vmx {

class ComponentVersions {
 public:
  // Records that `instance` of `component` ran `version` ("" = not reported).
  void Add(const std::string& component, const std::string& version, const std::string& instance);
  // Makes `component` known even when nothing reported a version for it.
  void Touch(const std::string& component) { seen_[component]; }

  bool empty() const { return seen_.empty(); }
  bool Has(const std::string& component) const { return seen_.count(component) > 0; }
  // The newest reported version of `component`, "" when none was reported.
  std::string Newest(const std::string& component) const;
  // component -> newest version (the established tool's `vm_versions` shape).
  std::map<std::string, std::string> NewestByComponent() const;
  // {component: [{"version", "instances"}, …]} oldest version first, "" last.
  nlohmann::json ToJson() const;
  // The [{"version", "instances"}] of one component.
  nlohmann::json ToJson(const std::string& component) const;

 private:
  std::map<std::string, std::map<std::string, std::set<std::string>>> seen_;
};

// Orders "v1.97.0" < "v1.97.1" < "v1.100.0" by their numbers (text order gets the last wrong);
// negative, zero or positive.
int CompareVersions(const std::string& a, const std::string& b);

}  // namespace vmx
