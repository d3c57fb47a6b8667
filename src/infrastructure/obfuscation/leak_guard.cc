#include "infrastructure/obfuscation/leak_guard.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

#include "common/number_array.h"
#include "infrastructure/obfuscation/learned_tokens.h"

namespace vmx {

namespace {

constexpr size_t kMaxNeedlesRemembered = 5;

// `s` with ASCII letters in lower case (the matcher ignores ASCII case).
std::string AsciiLower(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return s;
}

// Whether `needle` could occur, as the matcher finds it (any ASCII case), among the bytes
// FeedExportLine skips: inside one plain number, inside `"timestamps":`, or across the
// structure of a line.
bool FitsInSampleArrays(const std::string& needle) {
  if (needle.find_first_of("[]{},\n") != std::string::npos) return true;
  if (std::string_view("\"timestamps\":").find(AsciiLower(needle)) != std::string_view::npos)
    return true;
  // No comma here (see above), so this is one element: a plain number with at most one '.'.
  return ScanNumberArray(needle).plain;
}

std::vector<std::string> Needles(const std::vector<std::string>& originals) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  auto add = [&](std::string s) {
    const std::string lower = AsciiLower(s);
    if (s.size() <= MultiPatternMatcher::kMaxPatternLength && seen.insert(lower).second)
      out.push_back(std::move(s));
  };
  for (const std::string& o : originals) {
    if (!LeakGuard::WorthScanning(o)) continue;
    // JSON text spells quotes, backslashes and control characters escaped.
    const std::string json =
        nlohmann::json(o).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    add(json.substr(1, json.size() - 2));
    add(o);
  }
  return out;
}

void CollectOriginals(const nlohmann::json& j, std::vector<std::string>& out,
                      std::unordered_set<std::string>& pseudonyms) {
  if (!j.is_object()) return;
  for (const auto& [key, value] : j.items()) {
    if (value.is_string()) {  // original -> pseudonym
      out.push_back(key);
      pseudonyms.insert(value.get<std::string>());
    } else if (value.is_array()) {  // original -> [pseudonyms]
      out.push_back(key);
      for (const auto& p : value) {
        if (p.is_string()) pseudonyms.insert(p.get<std::string>());
      }
    } else if (value.is_object()) {
      CollectOriginals(value, out, pseudonyms);  // label -> {original -> pseudonym}
    }
  }
}

}  // namespace

LeakGuard::LeakGuard(const std::vector<std::string>& originals)
    : needles_(Needles(originals)), matcher_(needles_, /*underscore_joins_words=*/true) {
  skip_sample_arrays_ = std::none_of(needles_.begin(), needles_.end(), FitsInSampleArrays);
}

void LeakGuard::FeedExportLine(LeakScan& scan, std::string_view line) const {
  static constexpr std::string_view kValues = ",\"values\":[";
  static constexpr std::string_view kTimestamps = "],\"timestamps\":[";
  static constexpr std::string_view kNewline = "\n";
  if (skip_sample_arrays_) {
    const size_t values = line.find(kValues);
    if (values != std::string_view::npos) {
      // The metric object and `,"values":` are scanned; the arrays from '[' on are skipped when
      // they hold plain numbers. Every skipped byte is a number byte, a structural byte or part
      // of the key, so no needle (see FitsInSampleArrays) can end among them, and one that
      // would start before them holds '[' and is not skipped for.
      const size_t arrays = values + kValues.size() - 1;
      const std::string_view rest = line.substr(arrays + 1);
      const size_t ts = rest.find(kTimestamps);
      if (ts != std::string_view::npos && rest.size() >= ts + kTimestamps.size() + 2 &&
          rest.substr(rest.size() - 2) == "]}" && ScanNumberArray(rest.substr(0, ts)).plain &&
          ScanNumberArray(
              rest.substr(ts + kTimestamps.size(), rest.size() - 2 - ts - kTimestamps.size()))
              .plain) {
        Feed(scan, line.substr(0, arrays));
        Feed(scan, kNewline);
        return;
      }
    }
  }
  Feed(scan, line);
  Feed(scan, kNewline);
}

bool LeakGuard::WorthScanning(std::string_view o) {
  if (o.size() < 4) return false;
  const bool letter = std::any_of(o.begin(), o.end(),
                                  [](char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; });
  // Addresses without letters (10.0.0.5, [::1]) are scanned; plain numbers (tenants) are not.
  const bool address = o.find_first_of(".:") != std::string_view::npos;
  if (!letter && !address) return false;
  return !LearnedTokens::IsGeneric(o) && o != "localhost";
}

std::vector<std::string> LeakGuard::OriginalsInMapping(const nlohmann::json& mapping) {
  std::vector<std::string> originals;
  std::unordered_set<std::string> pseudonyms;
  if (!mapping.is_object()) return originals;
  for (const auto& [section, value] : mapping.items()) {
    // Tenant IDs are numbers; learned words are single words that support labels may hold too
    // (an alert "Acme-Down"): both would stop good exports, and their values are replaced anyway.
    if (section == "tenants" || section == "component_numbers" || section == "learned_tokens")
      continue;
    CollectOriginals(value, originals, pseudonyms);
  }
  // A node named "node-1" is an original and may be another node's pseudonym too.
  std::erase_if(originals,
                [&pseudonyms](const std::string& o) { return pseudonyms.count(o) != 0; });
  return originals;
}

void LeakGuard::Feed(LeakScan& scan, std::string_view data) const {
  matcher_.Feed(scan.cursor, data, [&scan](size_t needle, uint64_t) {
    ++scan.hits;
    if (scan.needles.size() < kMaxNeedlesRemembered &&
        std::find(scan.needles.begin(), scan.needles.end(), needle) == scan.needles.end()) {
      scan.needles.push_back(needle);
    }
  });
}

void LeakGuard::Finish(LeakScan& scan) const {
  matcher_.Finish(scan.cursor, [&scan](size_t needle, uint64_t) {
    ++scan.hits;
    if (scan.needles.size() < kMaxNeedlesRemembered) scan.needles.push_back(needle);
  });
}

uint64_t LeakGuard::CountIn(std::string_view text) const {
  LeakScan scan;
  Feed(scan, text);
  Finish(scan);
  return scan.hits;
}

Status LeakGuard::Check(std::string_view entry, std::string_view text) const {
  LeakScan scan;
  Feed(scan, text);
  Finish(scan);
  return scan.hits == 0 ? Status::Ok() : LeakFound(entry, scan);
}

Status LeakFound(std::string_view entry, const LeakScan& scan) {
  return Status::Internal(fmt::format("the leak guard found {} occurrence(s) of {} value(s) the "
                                      "obfuscator replaced in bundle entry {}; "
                                      "the bundle was not written",
                                      scan.hits, scan.needles.size(), entry),
                          "please report this as a bug; meanwhile -drop-labels the label that "
                          "holds the value, or check a bundle with "
                          "`vmexporter verify -mapping=FILE` (the mapping from -mapping-out)");
}

}  // namespace vmx
