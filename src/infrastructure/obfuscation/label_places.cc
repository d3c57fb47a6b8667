#include "infrastructure/obfuscation/label_places.h"

#include <array>
#include <string>

namespace vmx {

namespace {

constexpr std::array<IdentityLabel, 22> kIdentity = {{
    {"cluster", "cluster names usually name the customer or its product"},
    {"namespace", "Kubernetes namespaces name teams, products or customers"},
    {"pod", "pod names carry deployment and customer names"},
    {"node", "node names identify the customer's machines (cloud names embed cluster and pool)"},
    {"nodename", "node names identify the customer's machines"},
    {"hostname", "host names identify the customer's machines"},
    {"host", "host names and addresses identify the customer's machines"},
    {"username", "user names identify people or customers (vmauth users)"},
    {"user", "user names identify people or customers"},
    {"owner", "owners are people or teams"},
    {"email", "e-mail addresses identify people"},
    {"team", "team names are internal to the customer"},
    {"customer", "names the customer"},
    {"tenant", "tenant names identify customers"},
    {"accountID", "tenant account IDs identify customers (they stay numbers)"},
    {"projectID", "tenant project IDs identify customers (they stay numbers)"},
    {"vm_account_id", "tenant account IDs identify customers (they stay numbers)"},
    {"vm_project_id", "tenant project IDs identify customers (they stay numbers)"},
    {"kubernetes_*", "Kubernetes object names carry deployment and customer names"},
    {"exported_*", "labels a target exported about itself, e.g. exported_pod, exported_instance"},
    {"*_instance", "addresses of other targets"},
    {"*_host", "addresses of other machines"},
}};

// `name` is the flag name of the `flag` metric (and a cache or table name elsewhere).
constexpr std::array<std::string_view, 14> kSupport = {
    "__name__", "le",       "vmrange", "quantile", "version", "short_version", "type",
    "path",     "location", "reason",  "action",   "is_set",  "alertname",     "name",
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

bool Contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// The exact-name entries of kIdentity.
const IdentityLabel* ExactIdentity(std::string_view name) {
  for (const IdentityLabel& l : kIdentity) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

}  // namespace

std::span<const IdentityLabel> DefaultIdentityLabels() { return kIdentity; }

std::span<const std::string_view> SupportLabels() { return kSupport; }

std::string_view IdentityReason(std::string_view name) {
  if (const IdentityLabel* l = ExactIdentity(name)) return l->reason;
  if (StartsWith(name, "exported_") && name != "exported_job") {
    const std::string_view base = name.substr(9);
    if (base == "instance" || ExactIdentity(base) != nullptr) return kIdentity[19].reason;
  }
  if (StartsWith(name, "kubernetes_")) return kIdentity[18].reason;
  if (EndsWith(name, "_instance") && name.size() > 9) return kIdentity[20].reason;
  if (EndsWith(name, "_host") && name.size() > 5) return kIdentity[21].reason;
  return {};
}

LabelKind KindOfLabel(std::string_view name, std::string_view metric) {
  if (name == "value" && metric == "flag") return LabelKind::kFlagValue;
  for (std::string_view s : kSupport) {
    if (s == name) return LabelKind::kSupport;
  }
  if (name == "instance") return LabelKind::kInstance;
  if (name == "job") return LabelKind::kJob;
  if (name == "accountID" || name == "vm_account_id") return LabelKind::kTenantAccount;
  if (name == "projectID" || name == "vm_project_id") return LabelKind::kTenantProject;
  if (name == "addr" || name == "host" || EndsWith(name, "_instance") || EndsWith(name, "_host")) {
    return LabelKind::kAddressList;
  }
  if (!IdentityReason(name).empty()) return LabelKind::kIdentity;
  return LabelKind::kOther;
}

FlagValueKind KindOfFlag(std::string_view flag_name) {
  const std::string n = Lower(flag_name);
  // Paths of files that hold secrets are not secrets themselves (and help support).
  const bool names_file = EndsWith(n, "file") || EndsWith(n, "path") || EndsWith(n, "dir") ||
                          EndsWith(n, ".config") || EndsWith(n, "configcheckinterval");
  static constexpr std::array<std::string_view, 9> kSecretWords = {
      "password", "passwd",     "secret", "accesskey", "access_key",
      "token",    "credential", "auth",   "apikey"};
  if (!names_file) {
    for (std::string_view w : kSecretWords) {
      if (Contains(n, w)) return FlagValueKind::kSecret;
    }
  }
  if (EndsWith(n, "url") || EndsWith(n, "urls") || EndsWith(n, "addr") || EndsWith(n, "addrs") ||
      EndsWith(n, "node") || EndsWith(n, "nodes") || EndsWith(n, "host") || EndsWith(n, "hosts") ||
      EndsWith(n, "endpoint") || EndsWith(n, "servers")) {
    return FlagValueKind::kAddressList;
  }
  return FlagValueKind::kText;
}

std::string_view ComponentOfPlace(std::string_view label, std::string_view metric,
                                  std::string_view flag_name) {
  if (label == "addr" && (StartsWith(metric, "vm_rpc_") || StartsWith(metric, "vm_tcpdialer_")))
    return "vmstorage";
  if (!flag_name.empty()) {
    const std::string n = Lower(flag_name);
    if (n == "storagenode") return "vmstorage";
    if (n == "selectnode") return "vmselect";
  }
  return {};
}

}  // namespace vmx
