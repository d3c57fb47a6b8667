// ValuePseudonymizer: replaces every distinct value of one kind with "<prefix>-<n>" (custom
// labels chosen by the user: "pod-3"; e-mail addresses: "email-2").
//
// Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "infrastructure/obfuscation/pseudonym_numbering.h"

namespace vmx {

class ValuePseudonymizer {
 public:
  // `key` as in PseudonymNumbering; `prefix` starts every pseudonym and names the namespace.
  ValuePseudonymizer(std::string key, std::string prefix);

  // Returns "<prefix>-<n>" for `value`.
  std::string Pseudonym(std::string_view value);

  // original -> pseudonym.
  nlohmann::json Mapping() const;

 private:
  const std::string prefix_;
  PseudonymNumbering numbering_;
};

}  // namespace vmx
