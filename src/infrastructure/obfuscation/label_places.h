// Label places: what a label's value holds, judged by the label's name and where it appears
// (the metric, the flag it describes), so the Obfuscator picks a rule without guessing from the
// value. The default identity labels and the labels support needs are listed here, in one place.
//
// Pure functions over borrowed text; thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace vmx {

enum class LabelKind {
  kSupport,        // support needs it byte for byte (__name__, le, version, location, …)
  kInstance,       // the scrape target: host[:port]
  kJob,            // the scrape job
  kIdentity,       // names the customer or its machines: cluster, namespace, pod, user…
  kTenantAccount,  // accountID, vm_account_id: stays a number
  kTenantProject,  // projectID, vm_project_id: stays a number
  kAddressList,    // addresses by place: addr, host, *_instance (comma-separated host[:port])
  kFlagValue,      // `value` of the `flag` metric: depends on the flag's name
  kOther,          // anything else: the deep scrub looks inside
};

// Returns what a label named `name` holds on the metric `metric`.
LabelKind KindOfLabel(std::string_view name, std::string_view metric);

// One default identity label (or name pattern) and why it is pseudonymised, for the policy, the
// wizard and the documentation. `name` ends in '*' for prefixes and starts with '*' for suffixes.
struct IdentityLabel {
  std::string_view name;
  std::string_view reason;
};

// The documented default identity labels, in the order the wizard shows them.
std::span<const IdentityLabel> DefaultIdentityLabels();

// Returns why `name` is an identity label by default, or "" when it is not one.
std::string_view IdentityReason(std::string_view name);

// The labels support needs byte for byte, never changed.
std::span<const std::string_view> SupportLabels();

enum class FlagValueKind {
  kSecret,       // a password, token, key…: becomes "secret"
  kAddressList,  // -storageNode, -remoteWrite.url, -httpListenAddr…: hosts are pseudonymised
  kText,         // anything else: the deep scrub looks inside
};

// Returns what the value of the flag `flag_name` holds.
FlagValueKind KindOfFlag(std::string_view flag_name);

// Returns the component the hosts of an address place belong to ("vmstorage" for `addr` of
// vm_rpc_* / vm_tcpdialer_* and for -storageNode, "vmselect" for -selectNode), or "" when the
// place does not say.
std::string_view ComponentOfPlace(std::string_view label, std::string_view metric,
                                  std::string_view flag_name);

}  // namespace vmx
