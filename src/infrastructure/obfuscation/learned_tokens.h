// LearnedTokens: the customer's own words, learned from originals the obfuscator replaced (the
// `acme-payments` of job `acme-payments-vmstorage`, a cluster or namespace name, a host name's
// domain), so they can be replaced wherever else they appear (alert groups, file paths in flag
// values, URLs) with the pseudonym of the value they were learned from.
//
// Generic words are never learned (component names, environments, regions, Kubernetes and cloud
// words, numbers, short words), so nothing support needs is touched.
//
// Thread-safe. Learning makes a new matcher; Replace uses the matcher current at the call.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "infrastructure/obfuscation/multi_pattern_matcher.h"

namespace vmx {

class LearnedTokens {
 public:
  LearnedTokens();
  ~LearnedTokens();

  // Learns the customer words of `original`, each to be replaced by `pseudonym` (the first source
  // of a word keeps it). Returns how many words were new.
  size_t Learn(std::string_view original, std::string_view pseudonym);

  // Returns `text` with every learned word (as a whole word, any case) replaced.
  std::string Replace(std::string_view text) const;

  // Whether any word was learned (a cheap check before Replace).
  bool empty() const { return count_.load(std::memory_order_acquire) == 0; }
  // Number of distinct words learned.
  size_t size() const { return count_.load(std::memory_order_acquire); }
  // Bumped whenever a word is learned, so caches of replaced values can tell they are stale.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // learned word -> pseudonym (for the user's mapping only, never a bundle).
  std::vector<std::pair<std::string, std::string>> Words() const;

  // The words `original` would teach, in order (exposed for tests and the leak guard).
  static std::vector<std::string> WordsOf(std::string_view original);

  // True for words never learned: component names, environments, regions, numbers…
  static bool IsGeneric(std::string_view word);

 private:
  struct Snapshot {
    std::unique_ptr<MultiPatternMatcher> matcher;
    std::vector<std::string> replacements;
  };

  mutable std::mutex mu_;
  std::vector<std::string> words_;
  std::vector<std::string> pseudonyms_;
  std::unordered_map<std::string, size_t> index_;
  std::shared_ptr<const Snapshot> snapshot_;  // read under mu_, used outside it
  std::atomic<size_t> count_{0};
  std::atomic<uint64_t> generation_{0};
};

}  // namespace vmx
