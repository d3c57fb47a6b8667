#include "infrastructure/obfuscation/job_pseudonymizer.h"

#include <fmt/format.h>

#include <mutex>

namespace vmx {

JobPseudonymizer::JobPseudonymizer(std::string key) : key_(std::move(key)) {}

std::string JobPseudonymizer::Pseudonym(std::string_view job, std::string_view component) {
  {
    std::shared_lock lock(mu_);
    auto it = pseudonyms_.find(job);
    if (it != pseudonyms_.end()) return it->second;
  }
  std::unique_lock lock(mu_);
  auto it = pseudonyms_.find(job);
  if (it != pseudonyms_.end()) return it->second;
  auto numbering = per_component_.find(component);
  if (numbering == per_component_.end()) {
    numbering = per_component_
                    .emplace(std::string(component),
                             std::make_unique<PseudonymNumbering>(
                                 key_, "job/" + std::string(component)))
                    .first;
  }
  std::string pseudonym = fmt::format("{}-job-{}", component, numbering->second->NumberFor(job));
  pseudonyms_.emplace(std::string(job), pseudonym);
  return pseudonym;
}

nlohmann::json JobPseudonymizer::Mapping() const {
  std::shared_lock lock(mu_);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [job, pseudonym] : pseudonyms_) out[job] = pseudonym;
  return out;
}

}  // namespace vmx
