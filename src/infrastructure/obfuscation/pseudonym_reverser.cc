#include "infrastructure/obfuscation/pseudonym_reverser.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <unordered_set>

namespace vmx {
namespace {

void Collect(const nlohmann::json& node, std::unordered_map<std::string, std::string>& out) {
  if (!node.is_object()) return;
  for (const auto& [key, value] : node.items()) {
    if (value.is_string()) {
      const std::string pseudonym = value.get<std::string>();
      if (!pseudonym.empty() && pseudonym != key) out.emplace(pseudonym, key);
    } else if (value.is_array()) {  // one original with several pseudonyms (a host per component)
      for (const nlohmann::json& item : value) {
        if (item.is_string() && !item.get<std::string>().empty()) out.emplace(item.get<std::string>(), key);
      }
    } else if (value.is_object()) {
      Collect(value, out);
    }
  }
}

bool ContinuesName(std::string_view text, size_t pos) {
  if (pos >= text.size()) return false;
  const unsigned char c = static_cast<unsigned char>(text[pos]);
  if (std::isalnum(c) || c == '_') return true;
  // "777.777.1.3" followed by ".4" would be a longer dotted number.
  return (c == '.' || c == '-') && pos + 1 < text.size() &&
         std::isdigit(static_cast<unsigned char>(text[pos + 1]));
}

}  // namespace

Result<PseudonymReverser> PseudonymReverser::FromMapping(const nlohmann::json& mapping) {
  if (!mapping.is_object()) {
    return Status::InvalidArgument("the mapping must be a JSON object as written by -mapping-out");
  }
  PseudonymReverser r;
  Collect(mapping, r.originals_);
  for (const auto& [pseudonym, original] : r.originals_) r.by_first_[pseudonym.front()].push_back(pseudonym);
  for (auto& [first, list] : r.by_first_) {
    std::sort(list.begin(), list.end(), [](const std::string& a, const std::string& b) {
      return a.size() != b.size() ? a.size() > b.size() : a < b;
    });
  }
  return r;
}

std::string PseudonymReverser::Reveal(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const bool at_boundary = i == 0 || !ContinuesName(text, i - 1) ||
                             !std::isalnum(static_cast<unsigned char>(text[i - 1]));
    auto it = at_boundary ? by_first_.find(text[i]) : by_first_.end();
    bool replaced = false;
    if (it != by_first_.end()) {
      for (const std::string& p : it->second) {
        if (text.compare(i, p.size(), p) == 0 && !ContinuesName(text, i + p.size())) {
          out += originals_.at(p);
          i += p.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

std::vector<std::string> PseudonymReverser::UnknownPseudonyms(std::string_view text) const {
  // Whole words only, as Reveal matches them.
  static const std::regex kShape(R"((^|[^0-9A-Za-z_.-])(777\.777\.\d+\.\d+|[a-z][a-z0-9]*-job-\d+)(?![0-9A-Za-z_]|[.-]\d))");
  std::vector<std::string> unknown;
  std::unordered_set<std::string> seen;
  const std::string copy(text);
  for (auto it = std::sregex_iterator(copy.begin(), copy.end(), kShape); it != std::sregex_iterator(); ++it) {
    std::string word = (*it)[2].str();
    if (!originals_.contains(word) && seen.insert(word).second) unknown.push_back(std::move(word));
  }
  return unknown;
}

}  // namespace vmx
