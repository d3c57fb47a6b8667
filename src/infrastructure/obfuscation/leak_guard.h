// LeakGuard: the last check before a bundle is finished. Scans each entry, as it streams, for
// every original value the obfuscator replaced in this export (or that a user's mapping file
// lists), as whole words in any case (one pass, Aho-Corasick). A hit means a known original would
// ship; the caller fails the export (or `vmexporter verify -mapping` reports it).
//
// Originals that would hit ordinary text are not scanned for: numbers (tenant IDs), words shorter
// than 4 characters and generic words (see LearnedTokens::IsGeneric).
//
// Immutable after construction; thread-safe for concurrent scans, each with its own LeakScan.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "infrastructure/obfuscation/multi_pattern_matcher.h"

namespace vmx {

// The state of one entry's scan.
struct LeakScan {
  MultiPatternMatcher::Cursor cursor;
  uint64_t hits = 0;
  std::vector<size_t> needles;  // distinct needles hit, first few (indices into the guard)
};

class LeakGuard {
 public:
  // Scans for `originals` (filtered as described above; JSON-escaped forms are added for those
  // that JSON text spells differently).
  explicit LeakGuard(const std::vector<std::string>& originals);

  // Every original in an Obfuscator::Mapping() document (tenant numbers and single learned words
  // excluded).
  static std::vector<std::string> OriginalsInMapping(const nlohmann::json& mapping);

  // Feeds the next piece of an entry.
  void Feed(LeakScan& scan, std::string_view data) const;
  // Feeds one line of metrics.jsonl as the exporter writes it (`line` without its newline):
  // {"metric":{...},"values":[...],"timestamps":[...]}. When both sample arrays hold only
  // numbers (digits, '.', 'e', '+', '-' and at most one '.' per element) and no needle could be
  // spelled inside such arrays or the "timestamps" key (see SkipsSampleArrays), the arrays are
  // not scanned: that is 90% of an export's bytes. Anything else is scanned as Feed would.
  void FeedExportLine(LeakScan& scan, std::string_view line) const;
  // Ends the entry (its end is a word boundary).
  void Finish(LeakScan& scan) const;
  // False when a needle could occur inside plain sample arrays (a number with at most one '.',
  // a part of "timestamps") or across the structure of a line ('[', ']', '{', '}', ',', a
  // newline): FeedExportLine then scans whole lines.
  bool SkipsSampleArrays() const { return skip_sample_arrays_; }
  // Scans one whole text; returns the hits.
  uint64_t CountIn(std::string_view text) const;
  // Scans the whole text of `entry`; LeakFound when it holds an original.
  Status Check(std::string_view entry, std::string_view text) const;

  // How many needles are scanned for.
  size_t size() const { return needles_.size(); }
  // Needle `i` (an original: show it only to the user who owns the mapping).
  const std::string& Needle(size_t i) const { return needles_[i]; }

  // True when `original` is scanned for (long enough, not a number, not generic).
  static bool WorthScanning(std::string_view original);

 private:
  std::vector<std::string> needles_;
  MultiPatternMatcher matcher_;
  bool skip_sample_arrays_ = true;
};

// The error an export fails with when `scan` of `entry` found originals: it names the entry and
// the count, never an original (the message reaches logs and the page).
Status LeakFound(std::string_view entry, const LeakScan& scan);

}  // namespace vmx
