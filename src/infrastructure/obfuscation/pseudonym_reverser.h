// PseudonymReverser: translates pseudonyms in a text (support's answer) back to the originals,
// using a mapping file the user kept locally (Obfuscator::Mapping(), written by -mapping-out).
// Thread-compatible; build once, call Reveal many times.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace vmx {

class PseudonymReverser {
 public:
  // Reads every original -> pseudonym pair anywhere in `mapping` (nested objects allowed).
  static Result<PseudonymReverser> FromMapping(const nlohmann::json& mapping);

  // Returns `text` with each whole pseudonym replaced by its original. A pseudonym is whole when
  // it is not part of a longer name or number ("777.777.1.3" does not match inside
  // "777.777.1.30", "vmstorage-job-1" not inside "vmstorage-job-12").
  std::string Reveal(std::string_view text) const;
  // The distinct pseudonym-shaped words of `text` (777.777.X.Y addresses, <component>-job-<n>
  // jobs) that this mapping does not know, in order of first appearance: a sign that the
  // mapping belongs to another export.
  std::vector<std::string> UnknownPseudonyms(std::string_view text) const;
  // How many pseudonyms the mapping holds.
  size_t size() const { return originals_.size(); }

 private:
  std::unordered_map<std::string, std::string> originals_;     // pseudonym -> original
  std::unordered_map<char, std::vector<std::string>> by_first_;  // longest first
};

}  // namespace vmx
