// PseudonymNumbering: gives each distinct original value of one namespace (hosts, the jobs of one
// component, the values of one label…) its own number >= 1, the <n> in every pseudonym.
//
// Without a key, numbers count up from 1 in the order values are first seen: deterministic for
// the lifetime of the object. With a key, a value's number is derived from
// HMAC-SHA256(key, namespace, value) within [1, space], so it is the same in every run and process;
// when two values land on one number, the later one takes the next candidate (HMAC over the value
// and an attempt counter), so only values that collide depend on arrival order.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace vmx {

class PseudonymNumbering {
 public:
  // Default range of keyed numbers: at most 5 digits, so pseudonyms stay short enough to read
  // aloud ("777.777.1.43690"); a collision takes the next candidate, so numbers stay unique.
  static constexpr uint64_t kDefaultKeyedSpace = 99'999;

  // An empty `key` selects first-sight numbering; `space` bounds keyed numbers (tests use tiny
  // spaces to force collisions).
  PseudonymNumbering(std::string key, std::string name_space,
                     uint64_t space = kDefaultKeyedSpace);

  // Returns the number of `value`, assigning one on first sight.
  uint64_t NumberFor(std::string_view value);

  // Every value numbered so far with its number, sorted by number.
  std::vector<std::pair<std::string, uint64_t>> Assigned() const;

  // How many distinct values have a number.
  size_t size() const;

 private:
  struct TransparentHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // The keyed candidate number for `value` at `attempt` (0 for the first try).
  uint64_t KeyedCandidate(std::string_view value, uint64_t attempt) const;

  const std::string key_;
  const std::string name_space_;
  const uint64_t space_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, uint64_t, TransparentHash, std::equal_to<>> numbers_;
  std::unordered_set<uint64_t> taken_;  // keyed mode only
  uint64_t next_ = 1;                   // first-sight mode only
};

}  // namespace vmx
