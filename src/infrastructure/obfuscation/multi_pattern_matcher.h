// MultiPatternMatcher: finds many fixed strings at once in one pass over a text (Aho-Corasick),
// ASCII case-insensitively, as whole words only: a match must not touch a letter or digit (nor
// '_', when the caller says it joins words) on either side. Used by learned tokens (replace
// customer words inside label values) and by the leak guard (scan a whole bundle entry for every
// original the obfuscator replaced).
//
// Immutable after construction; thread-safe for concurrent scans, each with its own Cursor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vmx {

// True for bytes that continue a word: ASCII letters, digits and '_'.
inline bool IsWordByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

class MultiPatternMatcher {
 public:
  // `patterns` are matched in any ASCII case; empty ones are ignored, duplicates keep the first
  // index. `underscore_joins_words`: "acme_x" holds no whole word "acme".
  MultiPatternMatcher(const std::vector<std::string>& patterns, bool underscore_joins_words);

  // Scan state carried between chunks of one stream.
  struct Cursor {
    uint32_t state = 0;
    uint64_t offset = 0;  // bytes fed so far
    // Matches ending at the chunk's end wait for the next byte to prove their end boundary.
    std::vector<size_t> pending;
    // Whether the byte at each recent offset is a word byte (a ring of kMaxPatternLength + 1),
    // to prove a match's start boundary when the match began in an earlier chunk.
    std::vector<uint8_t> word_ring;
  };

  // Called for each whole-word match: pattern index and the offset just past its last byte.
  using OnMatch = std::function<void(size_t pattern, uint64_t end)>;

  // Feeds the next chunk of a stream; calls on_match for matches proven so far.
  void Feed(Cursor& cursor, std::string_view chunk, const OnMatch& on_match) const;
  // Ends the stream (the end is a boundary).
  void Finish(Cursor& cursor, const OnMatch& on_match) const;

  // Returns `text` with every whole-word match replaced by replacements[pattern] (longest match
  // at the leftmost position wins; matches never overlap).
  std::string Replace(std::string_view text, const std::vector<std::string>& replacements) const;

  // Whether any pattern is present.
  bool empty() const { return pattern_lengths_.empty(); }
  // Length of pattern `i`.
  size_t PatternLength(size_t i) const { return pattern_lengths_[i]; }

  // Longest pattern length the matcher accepts; longer patterns are ignored.
  static constexpr size_t kMaxPatternLength = 255;

 private:
  bool IsWord(char c) const { return IsWordByte(c) && (underscore_joins_words_ || c != '_'); }
  uint32_t Next(uint32_t state, unsigned char c) const {
    return transitions_[static_cast<size_t>(state) * classes_ + byte_class_[c]];
  }

  bool underscore_joins_words_;
  std::vector<size_t> pattern_lengths_;
  std::vector<uint8_t> byte_class_;  // byte -> class (0: a byte no pattern holds)
  size_t classes_ = 1;
  std::vector<uint32_t> transitions_;  // state * classes_ + class -> state (a full DFA)
  std::vector<int32_t> output_;        // state -> longest pattern ending here, or -1
  std::vector<int32_t> output_link_;   // state -> next state with an output along the fail chain
};

}  // namespace vmx
