#include "infrastructure/obfuscation/component_registry.h"

#include <mutex>

#include "infrastructure/obfuscation/component_classifier.h"

namespace vmx {

void ComponentRegistry::Tell(std::string_view job, std::string_view component) {
  std::unique_lock lock(mu_);
  jobs_.try_emplace(std::string(job), NormalizeComponent(component));
}

std::string ComponentRegistry::Decide(Table& table, std::string_view name,
                                      std::string_view guess) {
  {
    std::shared_lock lock(mu_);
    auto it = table.find(name);
    if (it != table.end()) return it->second;
  }
  std::unique_lock lock(mu_);
  auto [it, inserted] =
      table.try_emplace(std::string(name), guess.empty() ? "unknown" : NormalizeComponent(guess));
  return it->second;
}

std::string ComponentRegistry::ComponentOfJob(std::string_view job, std::string_view guess) {
  return Decide(jobs_, job, guess);
}

std::string ComponentRegistry::ComponentOfInstance(std::string_view instance,
                                                   std::string_view guess) {
  return Decide(instances_, instance, guess);
}

}  // namespace vmx
