#include "infrastructure/obfuscation/value_pseudonymizer.h"

#include <fmt/format.h>

namespace vmx {

ValuePseudonymizer::ValuePseudonymizer(std::string key, std::string prefix)
    : prefix_(prefix), numbering_(std::move(key), "value/" + prefix) {}

std::string ValuePseudonymizer::Pseudonym(std::string_view value) {
  return fmt::format("{}-{}", prefix_, numbering_.NumberFor(value));
}

nlohmann::json ValuePseudonymizer::Mapping() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [value, n] : numbering_.Assigned()) out[value] = fmt::format("{}-{}", prefix_, n);
  return out;
}

}  // namespace vmx
