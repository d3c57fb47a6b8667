// JobPseudonymizer: replaces job names with "<component>-job-<n>" ("vmstorage-job-1"); n counts
// jobs within their component, and nothing of the original name survives.
//
// Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "infrastructure/obfuscation/pseudonym_numbering.h"

namespace vmx {

class JobPseudonymizer {
 public:
  // `key` as in PseudonymNumbering.
  explicit JobPseudonymizer(std::string key);

  // The pseudonym of `job`; the first call for a job fixes its component (`component` is a
  // normalised name, see NormalizeComponent).
  std::string Pseudonym(std::string_view job, std::string_view component);

  // original job -> pseudonym.
  nlohmann::json Mapping() const;

 private:
  struct TransparentHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  const std::string key_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::string, TransparentHash, std::equal_to<>> pseudonyms_;
  std::map<std::string, std::unique_ptr<PseudonymNumbering>, std::less<>> per_component_;
};

}  // namespace vmx
