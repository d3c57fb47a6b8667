// libFuzzer target for the deep scrub (TextScrubber): arbitrary bytes must never crash it, no
// IPv4/IPv6 address may survive it, and scrubbing its output again must change nothing (a
// pseudonym must never look like an address). The first byte picks the component number X.
//
//   make fuzz FUZZ_SECONDS=60
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "infrastructure/obfuscation/ip_pseudonymizer.h"
#include "infrastructure/obfuscation/tenant_pseudonymizer.h"
#include "infrastructure/obfuscation/text_scrubber.h"
#include "infrastructure/obfuscation/value_pseudonymizer.h"
#include "support/address_oracle.h"
#include "fuzz/printable.h"

namespace {

using vmx::fuzz::Printable;

[[noreturn]] void Fail(const char* what, std::string_view input, const std::string& output,
                       const std::string& detail) {
  std::fprintf(stderr, "scrubber_fuzz: %s: '%s'\n  input:  '%s'\n  output: '%s'\n", what,
               Printable(detail).c_str(), Printable(input).c_str(), Printable(output).c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int x = data[0] % 10;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  // Fresh pseudonymizers per input keep every run reproducible from its input alone.
  vmx::IpPseudonymizer ips("");
  vmx::ValuePseudonymizer emails("", "email");
  vmx::TenantPseudonymizer tenants("");
  const vmx::TextScrubber scrubber(ips, emails, tenants);

  vmx::ScrubFindings findings;
  const std::string out = scrubber.Scrub(input, x, &findings);
  if (const std::string ip = vmx::testing::SurvivingIpv4(out); !ip.empty()) {
    Fail("IPv4 address survived", input, out, ip);
  }
  if (const std::string ip = vmx::testing::SurvivingIpv6(out); !ip.empty()) {
    Fail("IPv6 address survived", input, out, ip);
  }
  // Tenant IDs are numbers and get renumbered on every pass, so only check the rest.
  if (findings.tenants == 0) {
    const std::string again = scrubber.Scrub(out, x);
    if (again != out) Fail("second scrub changed the output", input, out, again);
  }
  return 0;
}
