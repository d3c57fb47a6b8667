#include "infrastructure/obfuscation/obfuscator.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

#include "infrastructure/obfuscation/address_syntax.h"
#include "infrastructure/obfuscation/component_classifier.h"
#include "infrastructure/obfuscation/component_registry.h"
#include "infrastructure/obfuscation/ip_pseudonymizer.h"
#include "infrastructure/obfuscation/job_pseudonymizer.h"
#include "infrastructure/obfuscation/label_places.h"
#include "infrastructure/obfuscation/learned_tokens.h"
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
  kIdentity = 'n',
  kTenant = 't',
  kAddress = 'a',
  kFlagValue = 'f',
  kDeep = 'd',
};

std::string_view RuleName(Rule r) {
  switch (r) {
    case Rule::kInstance:
      return "instance";
    case Rule::kJob:
      return "job";
    case Rule::kCustom:
      return "custom_label";
    case Rule::kIdentity:
      return "identity_label";
    case Rule::kTenant:
      return "tenant";
    case Rule::kAddress:
      return "address";
    case Rule::kFlagValue:
      return "flag_value";
    case Rule::kDeep:
      return "deep_scrub";
  }
  return "unknown";
}

// What a flag value held, for the report.
constexpr std::string_view kSecretFlagRule = "secret_flag";
// What VictoriaMetrics itself shows for flags it knows to be secret; we use the same word.
constexpr std::string_view kSecretMark = "secret";

// Values the deep scrub leaves unchanged are cached too (most label values are), but only up to
// this many, so a stream of unique values cannot grow memory without bound.
constexpr size_t kMaxUnchangedCached = 1 << 20;

struct CachedValue {
  std::string out;
  bool changed = false;
  std::string_view rule;  // the rule name that fired (static storage), for the report
};

struct TransparentHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Each thread keeps its own copy of the values it used recently, so the hot path (the same pod,
// node, namespace on every series) takes no lock and shares no cache line with other threads.
// Entries go stale only when a customer word is learned (the generation changes). Owner ids are
// never reused, so a new Obfuscator at the address of a destroyed one cannot see its values.
struct ThreadCache {
  uint64_t owner = 0;
  uint64_t generation = 0;
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

// True for values that are one address (an IP, a name embedding one, or host:port), which an
// identity label then gets as a host pseudonym so it matches the host's instance.
bool IsOneAddress(std::string_view value) {
  const std::optional<HostPort> hp = SplitHostPort(value);
  if (!hp) return false;
  return !hp->port.empty() || MatchIpv4(hp->host) == hp->host.size() ||
         (hp->host.find(':') != std::string_view::npos && CanonicalIpv6(hp->host)) ||
         EmbeddedIpv4(hp->host);
}

// Separators between key parts (label names never hold them).
constexpr char kFlagSep = '\x02';
constexpr char kValueSep = '\0';

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
      custom.insert(name);
    }
    keep.insert(c.keep_labels.begin(), c.keep_labels.end());
  }

  int DropIndex(std::string_view name) const {
    for (size_t i = 0; i < drop_names.size(); ++i) {
      if (drop_names[i] == name) return static_cast<int>(i);
    }
    return -1;
  }

  // The rule for a label, or nothing when its value stays as it is.
  std::optional<Rule> RuleFor(std::string_view name, std::string_view metric) const {
    const LabelKind kind = KindOfLabel(name, metric);
    if (kind == LabelKind::kSupport) return std::nullopt;
    if (kind == LabelKind::kInstance) {
      return config.obfuscate_instance ? std::optional(Rule::kInstance) : std::nullopt;
    }
    if (kind == LabelKind::kJob)
      return config.obfuscate_job ? std::optional(Rule::kJob) : std::nullopt;
    if (custom.find(name) != custom.end()) return Rule::kCustom;
    if (keep.find(name) != keep.end()) return std::nullopt;  // the user opted it out
    switch (kind) {
      case LabelKind::kIdentity:
        return Rule::kIdentity;
      case LabelKind::kTenantAccount:
      case LabelKind::kTenantProject:
        return Rule::kTenant;
      case LabelKind::kAddressList:
        return Rule::kAddress;
      case LabelKind::kFlagValue:
        return Rule::kFlagValue;
      default:
        break;
    }
    if (!config.deep_scrub) return std::nullopt;
    return Rule::kDeep;
  }

  ValuePseudonymizer& LabelValues(std::string_view label) {
    {
      std::shared_lock lock(labels_mu);
      auto it = label_values.find(label);
      if (it != label_values.end()) return *it->second;
    }
    std::unique_lock lock(labels_mu);
    auto [it, inserted] = label_values.try_emplace(std::string(label), nullptr);
    if (inserted) it->second = std::make_unique<ValuePseudonymizer>(config.key, std::string(label));
    return *it->second;
  }

  // A boolean, a number or a duration in an address place is a setting, not a host: the value
  // of -remoteWrite.showURL is "false", of -remoteWrite.maxDiskUsagePerURL "0".
  static bool IsSettingWord(std::string_view host) {
    std::string lower(host);
    for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower == "true" || lower == "false") return true;
    const size_t digits = lower.find_first_not_of("0123456789.");
    if (digits == 0) return false;
    if (digits == std::string::npos) return MatchIpv4(lower) != lower.size();  // 0, 1.5
    return lower.find_first_not_of("nsumhdwyibkgtp", digits) == std::string::npos &&
           lower.find('.') == std::string::npos;  // 30s, 1h, 32mib (not 10.0.0.5)
  }

  // Hosts of a comma-separated address list ("a:8400,b:8400", "vmstorage-0", "[::1]:8401"):
  // every entry is a host by its place, with or without a port or a domain.
  std::string AddressList(std::string_view value, int x, ScrubFindings& f) {
    std::string out;
    out.reserve(value.size() + 16);
    size_t start = 0;
    while (start <= value.size()) {
      size_t end = value.find(',', start);
      if (end == std::string_view::npos) end = value.size();
      std::string_view piece = value.substr(start, end - start);
      size_t lead = 0;
      while (lead < piece.size() && piece[lead] == ' ') ++lead;
      out.append(piece.substr(0, lead));
      piece.remove_prefix(lead);
      const std::optional<HostPort> hp = SplitHostPort(piece);
      if (hp && !hp->host.empty() && !IsSettingWord(hp->host)) {
        out += ips.PseudonymForHost(hp->host, x);
        if (!hp->port.empty() && config.preserve_structure) {
          out += ':';
          out += hp->port;
        }
        ++(MatchIpv4(hp->host) == hp->host.size() ? f.ipv4 : f.host_names);
      } else {
        out += scrubber.Scrub(piece, x, &f);
      }
      if (end == value.size()) break;
      out += ',';
      start = end + 1;
    }
    return tokens.Replace(out);
  }

  CachedValue Compute(Rule rule, const Label& label, std::string_view flag_name,
                      const std::string& component, int x, ScrubFindings& findings) {
    CachedValue v;
    v.rule = RuleName(rule);
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
        tokens.Learn(label.value, v.out);
        break;
      case Rule::kCustom:
      case Rule::kIdentity:
        if (IsOneAddress(label.value)) {
          v.out = *ips.PseudonymForInstance(label.value, x, config.preserve_structure);
        } else {
          v.out = LabelValues(label.name).Pseudonym(label.value);
          tokens.Learn(label.value, v.out);
        }
        break;
      case Rule::kTenant:
        v.out = KindOfLabel(label.name, "") == LabelKind::kTenantAccount
                    ? tenants.Account(label.value)
                    : tenants.Project(label.value);
        break;
      case Rule::kAddress:
        v.out = AddressList(label.value, x, findings);
        break;
      case Rule::kFlagValue:
        switch (KindOfFlag(flag_name)) {
          case FlagValueKind::kSecret:
            v.out = std::string(kSecretMark);
            v.rule = kSecretFlagRule;
            break;
          case FlagValueKind::kAddressList:
            v.out = AddressList(label.value, x, findings);
            break;
          case FlagValueKind::kText:
            v.out = tokens.Replace(scrubber.Scrub(label.value, x, &findings));
            break;
        }
        break;
      case Rule::kDeep:
        v.out = tokens.Replace(scrubber.Scrub(label.value, x, &findings));
        break;
    }
    v.changed = v.out != label.value;
    return v;
  }

  void Count(std::string_view rule, std::string_view label, const ScrubFindings& f) {
    std::lock_guard lock(report_mu);
    ++replaced[std::string(rule)][std::string(label)];
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
  LearnedTokens tokens;
  ComponentRegistry components;
  std::vector<std::string> drop_names;
  std::unique_ptr<std::atomic<uint64_t>[]> drop_counts;
  std::unordered_set<std::string, TransparentHash, std::equal_to<>> custom;
  std::unordered_set<std::string, TransparentHash, std::equal_to<>> keep;
  // label -> its values' pseudonyms (identity and custom labels), created on first use.
  std::shared_mutex labels_mu;
  std::map<std::string, std::unique_ptr<ValuePseudonymizer>, std::less<>> label_values;
  // rule, X, generation, label name, value -> what the value becomes: shared by all threads,
  // behind the per-thread caches.
  ShardedStringMap<CachedValue> cache;
  std::atomic<size_t> unchanged_cached{0};

  mutable std::mutex report_mu;
  std::map<std::string, std::map<std::string, uint64_t>> replaced;  // rule -> label -> count
  ScrubFindings findings;
};

Obfuscator::Obfuscator(const ObfuscationConfig& config) : state_(std::make_unique<State>(config)) {}

Obfuscator::~Obfuscator() = default;

void Obfuscator::SetJobComponent(std::string_view job, std::string_view component) {
  State& s = *state_;
  s.components.Tell(job, component);
  if (s.config.enabled && s.config.obfuscate_job) {
    s.tokens.Learn(job, s.jobs.Pseudonym(job, s.components.ComponentOfJob(job, "")));
  }
}

void Obfuscator::SetInstanceComponent(std::string_view instance, std::string_view component) {
  State& s = *state_;
  if (!s.config.enabled || !s.config.preserve_structure) return;
  const std::optional<HostPort> hp = SplitHostPort(instance);
  if (!hp || hp->host.empty()) return;
  s.ips.SetHostComponent(hp->host, ComponentNumber(NormalizeComponent(component)));
}

bool Obfuscator::ReplacesWholeValues(std::string_view name) const {
  const State& s = *state_;
  if (!s.config.enabled) return false;
  const std::optional<Rule> rule = s.RuleFor(name, "");
  return rule == Rule::kJob || rule == Rule::kCustom || rule == Rule::kIdentity;
}

void Obfuscator::LearnValue(std::string_view name, std::string_view value) {
  State& s = *state_;
  if (!ReplacesWholeValues(name) || value.empty() || IsOneAddress(value)) return;
  if (name == "job") {
    s.tokens.Learn(value, s.jobs.Pseudonym(value, s.components.ComponentOfJob(value, "")));
  } else {
    s.tokens.Learn(value, s.LabelValues(name).Pseudonym(value));
  }
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

  std::string_view metric, job, instance, version, flag_name;
  size_t instance_index = labels.size();
  for (size_t i = 0; i < labels.size(); ++i) {
    const Label& l = labels[i];
    if (l.name == "__name__")
      metric = l.value;
    else if (l.name == "job")
      job = l.value;
    else if (l.name == "instance")
      instance = l.value, instance_index = i;
    else if (l.name == "version")
      version = l.value;
    else if (l.name == "name")
      flag_name = l.value;
  }
  if (metric != "flag") flag_name = {};
  const std::string_view guess =
      metric == "vm_app_version" ? ComponentFromVersion(version) : ComponentFromMetricName(metric);
  std::string component;
  if (!job.empty()) {
    component = s.components.ComponentOfJob(job, guess);
  } else if (!instance.empty()) {
    component = s.components.ComponentOfInstance(instance, guess);
  } else {
    component = guess.empty() ? "unknown" : std::string(guess);
  }
  const int x = s.config.preserve_structure ? ComponentNumber(component) : 0;
  const uint64_t generation = s.tokens.generation();
  const bool has_tokens = !s.tokens.empty();

  thread_local std::string key;
  thread_local ThreadCache local;
  if (local.owner != s.id || local.generation != generation) {
    local.map.clear();
    local.owner = s.id;
    local.generation = generation;
  }
  auto rewrite = [&](Label& l) {
    if (l.value.empty()) return;
    const std::optional<Rule> rule = s.RuleFor(l.name, metric);
    if (!rule) return;
    if (*rule == Rule::kDeep && !has_tokens && !TextScrubber::MayHoldAddress(l.value)) return;
    // X of the hosts a value names: their own component where the place tells it (the series'
    // own instance, vm_rpc_* addr, -storageNode); 0 lets the host keep what it was first given.
    int hint = 0;
    if (*rule == Rule::kInstance) {
      hint = x;
    } else if (s.config.preserve_structure &&
               (*rule == Rule::kAddress || *rule == Rule::kFlagValue)) {
      hint = ComponentNumber(ComponentOfPlace(l.name, metric, flag_name));
    }
    key.clear();
    key += static_cast<char>(*rule);
    key += static_cast<char>('0' + hint);
    key += std::to_string(generation);
    key += kFlagSep;
    key += l.name;
    if (*rule == Rule::kFlagValue) {
      key += kFlagSep;
      key += flag_name;
    }
    if (*rule == Rule::kJob) {  // a job's pseudonym names its component
      key += kFlagSep;
      key += component;
    }
    key += kValueSep;
    key += l.value;
    auto apply = [&l](const CachedValue& v) {
      if (v.changed) l.value = v.out;
    };
    if (auto it = local.map.find(key); it != local.map.end()) {
      apply(it->second);
      return;
    }
    auto remember = [&](const CachedValue& v) {
      if (local.map.size() >= kMaxThreadCacheEntries) local.map.clear();
      local.map.emplace(key, v);
      apply(v);
    };
    if (s.cache.Visit(key, remember)) return;

    ScrubFindings findings;
    CachedValue v = s.Compute(*rule, l, flag_name, component, hint, findings);
    if (!v.changed && s.unchanged_cached.load(std::memory_order_relaxed) >= kMaxUnchangedCached)
      return;
    const bool changed = v.changed;
    const std::string_view rule_name = v.rule;
    if (s.cache.Insert(key, std::move(v), remember)) {
      if (changed) {
        s.Count(rule_name, l.name, findings);
      } else {
        s.unchanged_cached.fetch_add(1, std::memory_order_relaxed);
      }
    }
  };
  // The series' own instance first: it tells its host's component before any other label can.
  if (instance_index < labels.size()) rewrite(labels[instance_index]);
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i != instance_index) rewrite(labels[i]);
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
      {"learned_tokens", s.tokens.size()},
  };
}

nlohmann::json Obfuscator::Mapping() const {
  State& s = *state_;
  nlohmann::json labels = nlohmann::json::object();
  nlohmann::json custom = nlohmann::json::object();
  {
    std::shared_lock lock(s.labels_mu);
    for (const auto& [label, pseudonymizer] : s.label_values) {
      (s.custom.count(label) ? custom : labels)[label] = pseudonymizer->Mapping();
    }
  }
  nlohmann::json instances = nlohmann::json::object();
  nlohmann::json scrubbed = nlohmann::json::object();
  s.cache.ForEach([&](const std::string& key, const CachedValue& v) {
    if (!v.changed) return;
    const size_t label_start = key.find(kFlagSep) + 1;
    const size_t value_sep = key.find(kValueSep, label_start);
    std::string label = key.substr(label_start, value_sep - label_start);
    label = label.substr(0, label.find(kFlagSep));
    const std::string original = key.substr(value_sep + 1);
    const char rule = key[0];
    if (rule == static_cast<char>(Rule::kInstance)) instances[original] = v.out;
    if (rule == static_cast<char>(Rule::kDeep) || rule == static_cast<char>(Rule::kAddress) ||
        rule == static_cast<char>(Rule::kFlagValue)) {
      scrubbed[label][original] = v.out;
    }
  });
  nlohmann::json learned = nlohmann::json::object();
  for (const auto& [word, pseudonym] : s.tokens.Words()) learned[word] = pseudonym;
  return {
      {"hosts", s.ips.Mapping()},     {"instances", instances},
      {"jobs", s.jobs.Mapping()},     {"identity_labels", labels},
      {"custom_labels", custom},      {"tenants", s.tenants.Mapping()},
      {"emails", s.emails.Mapping()}, {"scrubbed_values", scrubbed},
      {"learned_tokens", learned},    {"component_numbers", ComponentNumbers()},
  };
}

nlohmann::json Obfuscator::Policy() const {
  const State& s = *state_;
  const ObfuscationConfig& c = s.config;
  nlohmann::json untouched = nlohmann::json::array();
  for (std::string_view name : SupportLabels()) untouched.push_back(std::string(name));
  nlohmann::json identity = nlohmann::json::array();
  for (const IdentityLabel& l : DefaultIdentityLabels()) {
    if (s.keep.count(l.name) == 0) identity.push_back({{"label", l.name}, {"reason", l.reason}});
  }
  return {
      {"enabled", c.enabled},
      {"instance",
       {{"enabled", c.enabled && c.obfuscate_instance},
        {"format",
         c.preserve_structure ? "777.777.<component>.<host>:<port>" : "777.777.0.<host>"}}},
      {"job", {{"enabled", c.enabled && c.obfuscate_job}, {"format", "<component>-job-<n>"}}},
      {"hosts", "one pseudonym per host in every label; <component> is the host's own component"},
      {"identity_labels", c.enabled ? identity : nlohmann::json::array()},
      {"identity_format", "<label>-<n>; tenant IDs stay numbers"},
      {"kept_labels", c.keep_labels},
      {"custom_labels", c.enabled ? c.custom_labels : std::vector<std::string>{}},
      {"drop_labels", s.drop_names},
      {"secret_flags",
       c.enabled
           ? "values of flags naming a password, secret, key, token or credential become \"secret\""
           : ""},
      {"learned_tokens", c.enabled},
      {"deep_scrub", c.enabled && c.deep_scrub},
      {"tenants", c.enabled},
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
    for (const auto& [job, pseudonym] : jobs.items())
      ReplaceQuoted(out, job, pseudonym.get<std::string>());
  }
  std::vector<nlohmann::json> label_maps;
  {
    std::shared_lock lock(s.labels_mu);
    for (const auto& [label, pseudonymizer] : s.label_values)
      label_maps.push_back(pseudonymizer->Mapping());
  }
  for (const nlohmann::json& values : label_maps) {
    for (const auto& [value, pseudonym] : values.items())
      ReplaceQuoted(out, value, pseudonym.get<std::string>());
  }
  return s.tokens.Replace(out);
}

}  // namespace vmx
