#include "infrastructure/obfuscation/tenant_pseudonymizer.h"

namespace vmx {

namespace {

// Tenant IDs are uint32 in VictoriaMetrics; keyed numbers stay as short as other pseudonyms.
constexpr uint64_t kTenantSpace = PseudonymNumbering::kDefaultKeyedSpace;

nlohmann::json MappingOf(const PseudonymNumbering& numbering) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [value, n] : numbering.Assigned()) out[value] = std::to_string(n);
  return out;
}

}  // namespace

TenantPseudonymizer::TenantPseudonymizer(std::string key)
    : accounts_(key, "tenant/account", kTenantSpace),
      projects_(key, "tenant/project", kTenantSpace) {}

std::string TenantPseudonymizer::Account(std::string_view account_id) {
  return std::to_string(accounts_.NumberFor(account_id));
}

std::string TenantPseudonymizer::Project(std::string_view project_id) {
  return std::to_string(projects_.NumberFor(project_id));
}

nlohmann::json TenantPseudonymizer::Mapping() const {
  return {{"accounts", MappingOf(accounts_)}, {"projects", MappingOf(projects_)}};
}

}  // namespace vmx
