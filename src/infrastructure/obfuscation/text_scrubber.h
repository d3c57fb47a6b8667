// TextScrubber: the deep scrub. Finds addresses hidden anywhere in a label value and replaces
// them with the same pseudonyms the instance rule uses:
//   IPv4 / IPv6 (bare or [bracketed]), host:port, cloud host names embedding an IP
//   (ip-10-1-2-3.eu-west-1.compute.internal), dotted host names with a known or country TLD,
//   URLs (host, userinfo), credentials in query strings or key=value text (password=, authKey=,
//   token=…), e-mail addresses, and tenant IDs in /insert|select|delete/<tenant>/ paths.
// Ports and everything else are kept, so comma-separated lists stay lists.
//
// Thread-safe (the pseudonymizers it writes to are).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "infrastructure/obfuscation/ip_pseudonymizer.h"
#include "infrastructure/obfuscation/tenant_pseudonymizer.h"
#include "infrastructure/obfuscation/value_pseudonymizer.h"

namespace vmx {

// What one scrub replaced, by kind.
struct ScrubFindings {
  uint32_t ipv4 = 0;
  uint32_t ipv6 = 0;
  uint32_t host_names = 0;  // host:port, FQDNs, URL hosts, cloud names embedding an IP
  uint32_t emails = 0;
  uint32_t credentials = 0;  // URL userinfo and secret-looking key=value pairs
  uint32_t tenants = 0;

  // Total number of replacements.
  uint32_t Total() const { return ipv4 + ipv6 + host_names + emails + credentials + tenants; }
};

class TextScrubber {
 public:
  // The scrubber keeps references; all three must outlive it.
  TextScrubber(IpPseudonymizer& ips, ValuePseudonymizer& emails, TenantPseudonymizer& tenants);

  // Returns `text` with every address replaced; hosts get X = `component_number`. Adds what it
  // replaced to `findings` when given.
  std::string Scrub(std::string_view text, int component_number,
                    ScrubFindings* findings = nullptr) const;

  // Returns false when `text` cannot hold anything Scrub replaces (a cheap pre-check).
  static bool MayHoldAddress(std::string_view text);

 private:
  IpPseudonymizer& ips_;
  ValuePseudonymizer& emails_;
  TenantPseudonymizer& tenants_;
};

}  // namespace vmx
