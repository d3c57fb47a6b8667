#include "infrastructure/obfuscation/multi_pattern_matcher.h"

#include <algorithm>
#include <deque>
#include <map>

namespace vmx {

namespace {

unsigned char LowerByte(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; }

constexpr size_t kRing = MultiPatternMatcher::kMaxPatternLength + 1;

}  // namespace

MultiPatternMatcher::MultiPatternMatcher(const std::vector<std::string>& patterns,
                                         bool underscore_joins_words)
    : underscore_joins_words_(underscore_joins_words), byte_class_(256, 0) {
  // Bytes that occur in patterns get their own class; all others share class 0, which keeps the
  // DFA table at states x (distinct pattern bytes + 1) instead of states x 256.
  for (const std::string& p : patterns) {
    if (p.size() > kMaxPatternLength) continue;
    for (char ch : p) {
      const unsigned char c = LowerByte(static_cast<unsigned char>(ch));
      if (byte_class_[c] == 0) byte_class_[c] = static_cast<uint8_t>(classes_++);
    }
  }
  for (int c = 'A'; c <= 'Z'; ++c) byte_class_[c] = byte_class_[c - 'A' + 'a'];

  // The trie, as sparse children first.
  std::vector<std::map<uint8_t, uint32_t>> children(1);
  output_.assign(1, -1);
  for (const std::string& p : patterns) {
    if (p.empty() || p.size() > kMaxPatternLength) {
      pattern_lengths_.push_back(p.size());
      continue;
    }
    uint32_t s = 0;
    for (char ch : p) {
      const uint8_t cls = byte_class_[LowerByte(static_cast<unsigned char>(ch))];
      auto it = children[s].find(cls);
      if (it == children[s].end()) {
        children.emplace_back();
        output_.push_back(-1);
        it = children[s].emplace(cls, static_cast<uint32_t>(children.size() - 1)).first;
      }
      s = it->second;
    }
    if (output_[s] < 0) output_[s] = static_cast<int32_t>(pattern_lengths_.size());
    pattern_lengths_.push_back(p.size());
  }
  bool any = false;
  for (int32_t o : output_) any |= o >= 0;
  if (!any) pattern_lengths_.clear();

  // Breadth-first: fail links, then the full transition table.
  const size_t states = children.size();
  transitions_.assign(states * classes_, 0);
  output_link_.assign(states, -1);
  std::vector<uint32_t> fail(states, 0);
  std::deque<uint32_t> queue;
  for (size_t cls = 0; cls < classes_; ++cls) {
    auto it = children[0].find(static_cast<uint8_t>(cls));
    if (it != children[0].end()) {
      transitions_[cls] = it->second;
      queue.push_back(it->second);
    }
  }
  while (!queue.empty()) {
    const uint32_t s = queue.front();
    queue.pop_front();
    const uint32_t f = fail[s];
    output_link_[s] = output_[f] >= 0 ? static_cast<int32_t>(f) : output_link_[f];
    for (size_t cls = 0; cls < classes_; ++cls) {
      auto it = children[s].find(static_cast<uint8_t>(cls));
      if (it != children[s].end()) {
        fail[it->second] = transitions_[static_cast<size_t>(f) * classes_ + cls];
        transitions_[static_cast<size_t>(s) * classes_ + cls] = it->second;
        queue.push_back(it->second);
      } else {
        transitions_[static_cast<size_t>(s) * classes_ + cls] =
            transitions_[static_cast<size_t>(f) * classes_ + cls];
      }
    }
  }
}

void MultiPatternMatcher::Feed(Cursor& cursor, std::string_view chunk,
                               const OnMatch& on_match) const {
  if (empty()) {
    cursor.offset += chunk.size();
    return;
  }
  if (cursor.word_ring.empty()) cursor.word_ring.assign(kRing, 0);
  auto starts_word = [&](uint64_t end, size_t len) {
    if (end == len) return true;
    return cursor.word_ring[(end - len - 1) % kRing] == 0;
  };
  size_t i = 0;
  if (!cursor.pending.empty() && !chunk.empty()) {
    if (!IsWord(chunk[0])) {
      for (size_t p : cursor.pending) on_match(p, cursor.offset);
    }
    cursor.pending.clear();
  }
  uint32_t state = cursor.state;
  for (; i < chunk.size(); ++i) {
    const char ch = chunk[i];
    const uint64_t pos = cursor.offset + i;
    cursor.word_ring[pos % kRing] = IsWord(ch) ? 1 : 0;
    state = Next(state, static_cast<unsigned char>(ch));
    if (output_[state] < 0 && output_link_[state] < 0) continue;
    const uint64_t end = pos + 1;
    const bool at_chunk_end = i + 1 == chunk.size();
    const bool ends_word = at_chunk_end || !IsWord(chunk[i + 1]);
    for (int32_t s = output_[state] >= 0 ? static_cast<int32_t>(state) : output_link_[state];
         s >= 0; s = output_link_[s]) {
      const size_t p = static_cast<size_t>(output_[s]);
      if (!starts_word(end, pattern_lengths_[p])) continue;
      if (at_chunk_end) {
        cursor.pending.push_back(p);
      } else if (ends_word) {
        on_match(p, end);
      }
    }
  }
  cursor.state = state;
  cursor.offset += chunk.size();
}

void MultiPatternMatcher::Finish(Cursor& cursor, const OnMatch& on_match) const {
  for (size_t p : cursor.pending) on_match(p, cursor.offset);
  cursor.pending.clear();
}

std::string MultiPatternMatcher::Replace(std::string_view text,
                                         const std::vector<std::string>& replacements) const {
  if (empty()) return std::string(text);
  struct Hit {
    uint64_t start, end;
    size_t pattern;
  };
  std::vector<Hit> hits;
  Cursor cursor;
  const OnMatch collect = [&](size_t p, uint64_t end) {
    hits.push_back({end - pattern_lengths_[p], end, p});
  };
  Feed(cursor, text, collect);
  Finish(cursor, collect);
  if (hits.empty()) return std::string(text);
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.start != b.start ? a.start < b.start : a.end > b.end;
  });
  std::string out;
  out.reserve(text.size());
  uint64_t copied = 0;
  for (const Hit& h : hits) {
    if (h.start < copied) continue;  // overlaps a longer or earlier match
    out.append(text.substr(copied, h.start - copied));
    out += replacements[h.pattern];
    copied = h.end;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace vmx
