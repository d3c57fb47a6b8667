#include "infrastructure/obfuscation/obfuscator.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>

#include "infrastructure/obfuscation/component_classifier.h"
#include "infrastructure/obfuscation/component_registry.h"
#include "infrastructure/obfuscation/ip_pseudonymizer.h"
#include "infrastructure/obfuscation/job_pseudonymizer.h"
#include "infrastructure/obfuscation/sharded_string_map.h"
#include "infrastructure/obfuscation/tenant_pseudonymizer.h"
#include "infrastructure/obfuscation/text_scrubber.h"
#include "infrastructure/obfuscation/value_pseudonymizer.h"

namespace vmx {

namespace {

// Which rule rewrites a label; the character also prefixes cache keys.
enum class Rule : char {
  kInstance = 'i',
  kJob = 'j',
  kCustom = 'c',
  kTenant = 't',
  kDeep = 'd',
};

std::string_view RuleName(Rule r) {
  switch (r) {
    case Rule::kInstance: return "instance";
    case Rule::kJob: return "job";
    case Rule::kCustom: return "custom_label";
    case Rule::kTenant: return "tenant";
    case Rule::kDeep: return "deep_scrub";
  }
  return "unknown";
}

// Labels whose values are part of the data's meaning, never private.
constexpr std::array<std::string_view, 4> kUntouchedLabels = {"__name__", "le", "quantile",
                                                              "vmrange"};

bool IsUntouched(std::string_view name) {
  return std::find(kUntouchedLabels.begin(), kUntouchedLabels.end(), name) !=
         kUntouchedLabels.end();
}

// Values the deep scrub leaves unchanged are cached too (most label values are), but only up to
// this many, so a stream of unique values cannot grow memory without bound.
constexpr size_t kMaxUnchangedCached = 1 << 20;

struct CachedValue {
  std::string out;
  bool changed = false;
};

struct TransparentHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Each thread keeps its own copy of the values it used recently, so the hot path (the same pod,
// node, namespace on every series) takes no lock and shares no cache line with other threads.
// Entries never go stale: a cached value is fixed once stored. Owner ids are never reused, so a
// new Obfuscator at the address of a destroyed one cannot see its values.
struct ThreadCache {
  uint64_t owner = 0;
  std::unordered_map<std::string, CachedValue, TransparentHash, std::equal_to<>> map;
};
constexpr size_t kMaxThreadCacheEntries = 1 << 16;
std::atomic<uint64_t> next_owner_id{1};

nlohmann::json ComponentNumbers() {
  nlohmann::json out = nlohmann::json::object();
  for (std::string_view c : {"vmstorage", "vminsert", "vmselect", "vmagent", "vmalert", "vmauth",
                             "vmsingle", "vmbackupmanager", "vmanomaly"}) {
    out[std::string(c)] = ComponentNumber(c);
  }
  out["unknown"] = 0;
  return out;
}

void ReplaceQuoted(std::string& text, const std::string& from, const std::string& to) {
  for (char q : {'"', '\''}) {
    const std::string needle = q + from + q;
    const std::string replacement = q + to + q;
    for (size_t pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + replacement.size())) {
      text.replace(pos, needle.size(), replacement);
    }
  }
}

}  // namespace

struct Obfuscator::State {
  explicit State(const ObfuscationConfig& c)
      : config(c),
        ips(c.key),
        jobs(c.key),
        emails(c.key, "email"),
        tenants(c.key),
        scrubber(ips, emails, tenants),
        drop_counts(std::make_unique<std::atomic<uint64_t>[]>(c.drop_labels.size())) {
    for (const std::string& name : c.drop_labels) {
      if (name != "__name__") drop_names.push_back(name);
    }
    for (const std::string& name : c.custom_labels) {
      if (name.empty() || name == "__name__") continue;
      custom.try_emplace(name, std::make_unique<ValuePseudonymizer>(c.key, name));
    }
  }

  int DropIndex(std::string_view name) const {
    for (size_t i = 0; i < drop_names.size(); ++i) {
      if (drop_names[i] == name) return static_cast<int>(i);
    }
    return -1;
  }

  // The rule for a label, or nothing when its value stays as it is.
  std::optional<Rule> RuleFor(std::string_view name) const {
    if (IsUntouched(name)) return std::nullopt;
    if (name == "instance" && config.obfuscate_instance) return Rule::kInstance;
    if (name == "job" && config.obfuscate_job) return Rule::kJob;
    if (custom.find(name) != custom.end()) return Rule::kCustom;
    if (name == "instance" || name == "job") return std::nullopt;  // the user keeps them
    if (!config.deep_scrub) return std::nullopt;
    if (name == "vm_account_id" || name == "vm_project_id") return Rule::kTenant;
    return Rule::kDeep;
  }

  CachedValue Compute(Rule rule, const Label& label, const std::string& component, int x,
                      ScrubFindings& findings) {
    CachedValue v;
    switch (rule) {
      case Rule::kInstance:
        if (auto p = ips.PseudonymForInstance(label.value, x, config.preserve_structure)) {
          v.out = std::move(*p);
        } else {
          // A URL or free text: hide what it holds; anything else is one opaque host name.
          v.out = scrubber.Scrub(label.value, x, &findings);
          if (v.out == label.value) v.out = ips.PseudonymForHost(label.value, x);
        }
        break;
      case Rule::kJob:
        v.out = jobs.Pseudonym(label.value, component);
        break;
      case Rule::kCustom:
        v.out = custom.find(label.name)->second->Pseudonym(label.value);
        break;
      case Rule::kTenant:
        v.out = label.name == "vm_account_id" ? tenants.Account(label.value)
                                               : tenants.Project(label.value);
        break;
      case Rule::kDeep:
        v.out = scrubber.Scrub(label.value, x, &findings);
        break;
    }
    v.changed = v.out != label.value;
    return v;
  }

  void Count(Rule rule, std::string_view label, const ScrubFindings& f) {
    std::lock_guard lock(report_mu);
    ++replaced[std::string(RuleName(rule))][std::string(label)];
    findings.ipv4 += f.ipv4;
    findings.ipv6 += f.ipv6;
    findings.host_names += f.host_names;
    findings.emails += f.emails;
    findings.credentials += f.credentials;
    findings.tenants += f.tenants;
  }

  const uint64_t id = next_owner_id.fetch_add(1);
  const ObfuscationConfig config;
  IpPseudonymizer ips;
  JobPseudonymizer jobs;
  ValuePseudonymizer emails;
  TenantPseudonymizer tenants;
  TextScrubber scrubber;
  ComponentRegistry components;
  std::vector<std::string> drop_names;
  std::unique_ptr<std::atomic<uint64_t>[]> drop_counts;
  std::unordered_map<std::string, std::unique_ptr<ValuePseudonymizer>, TransparentHash,
                     std::equal_to<>>
      custom;
  // rule, X, label name, value -> what the value becomes: shared by all threads, behind the
  // per-thread caches.
  ShardedStringMap<CachedValue> cache;
  std::atomic<size_t> unchanged_cached{0};

  mutable std::mutex report_mu;
  std::map<std::string, std::map<std::string, uint64_t>> replaced;  // rule -> label -> count
  ScrubFindings findings;
};

Obfuscator::Obfuscator(const ObfuscationConfig& config)
    : state_(std::make_unique<State>(config)) {}

Obfuscator::~Obfuscator() = default;

void Obfuscator::SetJobComponent(std::string_view job, std::string_view component) {
  state_->components.Tell(job, component);
}

void Obfuscator::RewriteSeries(std::vector<Label>& labels) {
  State& s = *state_;
  if (!s.drop_names.empty()) {
    std::erase_if(labels, [&s](const Label& l) {
      const int i = s.DropIndex(l.name);
      if (i < 0) return false;
      s.drop_counts[i].fetch_add(1, std::memory_order_relaxed);
      return true;
    });
  }
  if (!s.config.enabled) return;

  std::string_view metric, job, instance, version;
  for (const Label& l : labels) {
    if (l.name == "__name__") metric = l.value;
    else if (l.name == "job") job = l.value;
    else if (l.name == "instance") instance = l.value;
    else if (l.name == "version") version = l.value;
  }
  const std::string_view guess = metric == "vm_app_version" ? ComponentFromVersion(version)
                                                            : ComponentFromMetricName(metric);
  std::string component;
  if (!job.empty()) {
    component = s.components.ComponentOfJob(job, guess);
  } else if (!instance.empty()) {
    component = s.components.ComponentOfInstance(instance, guess);
  } else {
    component = guess.empty() ? "unknown" : std::string(guess);
  }
  const int x = s.config.preserve_structure ? ComponentNumber(component) : 0;

  thread_local std::string key;
  thread_local ThreadCache local;
  if (local.owner != s.id) {
    local.map.clear();
    local.owner = s.id;
  }
  for (Label& l : labels) {
    if (l.value.empty()) continue;
    const std::optional<Rule> rule = s.RuleFor(l.name);
    if (!rule) continue;
    if (*rule == Rule::kDeep && !TextScrubber::MayHoldAddress(l.value)) continue;
    key.clear();
    key += static_cast<char>(*rule);
    key += static_cast<char>('0' + x);
    key += l.name;
    key += '\0';
    key += l.value;
    auto apply = [&l](const CachedValue& v) {
      if (v.changed) l.value = v.out;
    };
    if (auto it = local.map.find(key); it != local.map.end()) {
      apply(it->second);
      continue;
    }
    auto remember = [&](const CachedValue& v) {
      if (local.map.size() >= kMaxThreadCacheEntries) local.map.clear();
      local.map.emplace(key, v);
      apply(v);
    };
    if (s.cache.Visit(key, remember)) continue;

    ScrubFindings findings;
    CachedValue v = s.Compute(*rule, l, component, x, findings);
    if (!v.changed && s.unchanged_cached.load(std::memory_order_relaxed) >= kMaxUnchangedCached) {
      continue;
    }
    const bool changed = v.changed;
    if (s.cache.Insert(key, std::move(v), remember)) {
      if (changed) {
        s.Count(*rule, l.name, findings);
      } else {
        s.unchanged_cached.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }
}

std::string Obfuscator::PseudonymForJob(std::string_view job, std::string_view component) {
  State& s = *state_;
  if (!s.config.enabled || !s.config.obfuscate_job) return std::string(job);
  if (!component.empty()) s.components.Tell(job, component);
  return s.jobs.Pseudonym(job, s.components.ComponentOfJob(job, ""));
}

nlohmann::json Obfuscator::PrivacyReport() const {
  const State& s = *state_;
  nlohmann::json rules = nlohmann::json::object();
  ScrubFindings f;
  {
    std::lock_guard lock(s.report_mu);
    for (const auto& [rule, labels] : s.replaced) {
      for (const auto& [label, count] : labels) rules[rule][label] = count;
    }
    f = s.findings;
  }
  nlohmann::json dropped = nlohmann::json::object();
  for (size_t i = 0; i < s.drop_names.size(); ++i) {
    dropped[s.drop_names[i]] = s.drop_counts[i].load(std::memory_order_relaxed);
  }
  return {
      {"obfuscated", s.config.enabled},
      {"counting", "distinct values replaced, per rule and label; dropped labels per series"},
      {"rules", rules},
      {"dropped_labels", dropped},
      {"deep_scrub_findings",
       {{"ipv4", f.ipv4},
        {"ipv6", f.ipv6},
        {"host_names", f.host_names},
        {"emails", f.emails},
        {"credentials", f.credentials},
        {"tenants", f.tenants}}},
      {"distinct_hosts", s.ips.HostCount()},
  };
}

nlohmann::json Obfuscator::Mapping() const {
  const State& s = *state_;
  nlohmann::json custom = nlohmann::json::object();
  for (const auto& [label, pseudonymizer] : s.custom) custom[label] = pseudonymizer->Mapping();
  nlohmann::json instances = nlohmann::json::object();
  nlohmann::json scrubbed = nlohmann::json::object();
  s.cache.ForEach([&](const std::string& key, const CachedValue& v) {
    if (!v.changed) return;
    const size_t sep = key.find('\0', 2);
    const std::string label = key.substr(2, sep - 2);
    const std::string original = key.substr(sep + 1);
    if (key[0] == static_cast<char>(Rule::kInstance)) instances[original] = v.out;
    if (key[0] == static_cast<char>(Rule::kDeep)) scrubbed[label][original] = v.out;
  });
  return {
      {"hosts", s.ips.Mapping()},
      {"instances", instances},
      {"jobs", s.jobs.Mapping()},
      {"custom_labels", custom},
      {"tenants", s.tenants.Mapping()},
      {"emails", s.emails.Mapping()},
      {"scrubbed_values", scrubbed},
      {"component_numbers", ComponentNumbers()},
  };
}

nlohmann::json Obfuscator::Policy() const {
  const ObfuscationConfig& c = state_->config;
  nlohmann::json untouched = nlohmann::json::array();
  for (std::string_view name : kUntouchedLabels) untouched.push_back(std::string(name));
  return {
      {"enabled", c.enabled},
      {"instance",
       {{"enabled", c.enabled && c.obfuscate_instance},
        {"format", c.preserve_structure ? "777.777.<component>.<host>:<port>" : "777.777.0.<host>"}}},
      {"job", {{"enabled", c.enabled && c.obfuscate_job}, {"format", "<component>-job-<n>"}}},
      {"custom_labels", c.enabled ? state_->config.custom_labels : std::vector<std::string>{}},
      {"drop_labels", state_->drop_names},
      {"deep_scrub", c.enabled && c.deep_scrub},
      {"tenants", c.enabled && c.deep_scrub},
      {"preserve_structure", c.preserve_structure},
      {"stable_across_runs", !c.key.empty()},
      {"untouched_labels", untouched},
      {"component_numbers", ComponentNumbers()},
  };
}

std::string Obfuscator::ScrubText(std::string_view text) {
  State& s = *state_;
  if (!s.config.enabled) return std::string(text);
  std::string out = s.config.deep_scrub ? s.scrubber.Scrub(text, 0) : std::string(text);
  if (s.config.obfuscate_job) {
    const nlohmann::json jobs = s.jobs.Mapping();  // items() must not outlive it
    for (const auto& [job, pseudonym] : jobs.items()) {
      ReplaceQuoted(out, job, pseudonym.get<std::string>());
    }
  }
  for (const auto& [label, pseudonymizer] : s.custom) {
    const nlohmann::json values = pseudonymizer->Mapping();
    for (const auto& [value, pseudonym] : values.items()) {
      ReplaceQuoted(out, value, pseudonym.get<std::string>());
    }
  }
  return out;
}

}  // namespace vmx
