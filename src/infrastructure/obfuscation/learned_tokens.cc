#include "infrastructure/obfuscation/learned_tokens.h"

#include <algorithm>
#include <iterator>

namespace vmx {

namespace {

// Words support needs or that name nothing private; lower case.
constexpr std::string_view kGeneric[] = {
    // VictoriaMetrics and its ecosystem
    "vmstorage", "vminsert", "vmselect", "vmagent", "vmalert", "vmauth", "vmsingle", "vmbackup",
    "vmbackupmanager", "vmrestore", "vmanomaly", "vmgateway", "vmoperator", "victoria",
    "victoriametrics", "metrics", "prometheus", "grafana", "alertmanager", "storage", "insert",
    "select", "agent", "alert", "alerts", "single", "cluster", "exporter", "operator", "gateway",
    "proxy", "scrape", "remote", "write", "read", "rules", "rule",
    // environments and roles
    "prod", "production", "staging", "stage", "stg", "dev", "devel", "development", "test",
    "testing", "qa", "uat", "demo", "sandbox", "main", "master", "primary", "secondary", "replica",
    "worker", "workers", "monitoring", "observability", "default", "system", "infra", "platform",
    "shared", "internal", "external", "public", "private",
    // Kubernetes and clouds
    "kube", "kubernetes", "k8s", "pool", "nodepool", "node", "nodes", "pod", "svc", "service",
    "local", "compute", "cloud", "vmss", "gke", "aks", "eks", "amazonaws", "azure", "google", "ec2",
    // regions
    "east", "west", "north", "south", "central", "europe", "asia", "america",
    // words of our own pseudonyms, so replacing twice changes nothing
    "namespace", "hostname", "nodename", "username", "user", "owner", "team", "email", "customer",
    "tenant", "instance", "job", "secret", "redacted", "unknown", "exported", "account", "project",
    // flag settings and JSON literals
    "true", "false", "null", "none", "enabled", "disabled"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

// A word worth learning: letters only (hashes, numbers with units and versions such as "abc123",
// "10gb", "v1" name nothing), not generic.
bool Learnable(std::string_view word) {
  if (word.size() < 3 || !std::any_of(word.begin(), word.end(), IsLetter)) return false;
  if (std::any_of(word.begin(), word.end(), IsDigit)) return false;
  return !LearnedTokens::IsGeneric(word);
}

bool IsSeparator(char c) { return !(IsLetter(c) || IsDigit(c)); }

}  // namespace

LearnedTokens::LearnedTokens() : snapshot_(std::make_shared<Snapshot>()) {}
LearnedTokens::~LearnedTokens() = default;

bool LearnedTokens::IsGeneric(std::string_view word) {
  const std::string w = Lower(word);
  if (std::find(std::begin(kGeneric), std::end(kGeneric), w) != std::end(kGeneric)) return true;
  // Region codes and other short words (eu, us, ap, euw…) are never learned.
  return w.size() <= 3;
}

std::vector<std::string> LearnedTokens::WordsOf(std::string_view original) {
  // Runs of learnable words joined by their own separators ("acme-payments" from
  // "acme-payments-vmstorage-0"), then each learnable word of 4+ characters alone.
  std::vector<std::string> out;
  std::vector<std::pair<size_t, size_t>> words;  // [start, end) of every word
  for (size_t i = 0; i < original.size();) {
    if (IsSeparator(original[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < original.size() && !IsSeparator(original[j])) ++j;
    words.emplace_back(i, j);
    i = j;
  }
  auto add = [&out](std::string w) {
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(std::move(w));
  };
  for (size_t k = 0; k < words.size();) {
    if (!Learnable(original.substr(words[k].first, words[k].second - words[k].first))) {
      ++k;
      continue;
    }
    size_t m = k + 1;
    // A run continues over one-character separators only ("acme-payments", not "acme / payments").
    while (m < words.size() && words[m].first == words[m - 1].second + 1 &&
           Learnable(original.substr(words[m].first, words[m].second - words[m].first))) {
      ++m;
    }
    if (m - k > 1)
      add(Lower(original.substr(words[k].first, words[m - 1].second - words[k].first)));
    for (size_t w = k; w < m; ++w) {
      const std::string_view word =
          original.substr(words[w].first, words[w].second - words[w].first);
      if (word.size() >= 4) add(Lower(word));
    }
    k = m;
  }
  return out;
}

size_t LearnedTokens::Learn(std::string_view original, std::string_view pseudonym) {
  const std::vector<std::string> words = WordsOf(original);
  if (words.empty()) return 0;
  std::lock_guard lock(mu_);
  size_t added = 0;
  for (const std::string& w : words) {
    if (w.size() > MultiPatternMatcher::kMaxPatternLength) continue;
    if (index_.try_emplace(w, words_.size()).second) {
      words_.push_back(w);
      pseudonyms_.emplace_back(pseudonym);
      ++added;
    }
  }
  if (added == 0) return 0;
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->matcher =
      std::make_unique<MultiPatternMatcher>(words_, /*underscore_joins_words=*/false);
  snapshot->replacements = pseudonyms_;
  snapshot_ = std::move(snapshot);
  count_.store(words_.size(), std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return added;
}

std::string LearnedTokens::Replace(std::string_view text) const {
  if (empty()) return std::string(text);
  std::shared_ptr<const Snapshot> snapshot;
  {
    std::lock_guard lock(mu_);
    snapshot = snapshot_;
  }
  return snapshot->matcher->Replace(text, snapshot->replacements);
}

std::vector<std::pair<std::string, std::string>> LearnedTokens::Words() const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < words_.size(); ++i) out.emplace_back(words_[i], pseudonyms_[i]);
  return out;
}

}  // namespace vmx
