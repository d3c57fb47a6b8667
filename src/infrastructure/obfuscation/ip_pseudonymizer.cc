#include "infrastructure/obfuscation/ip_pseudonymizer.h"

#include <fmt/format.h>

#include <algorithm>

#include "infrastructure/obfuscation/address_syntax.h"

namespace vmx {

namespace {

std::string Format(int component_number, uint64_t host_number) {
  return fmt::format("777.777.{}.{}", component_number, host_number);
}

}  // namespace

IpPseudonymizer::IpPseudonymizer(std::string key) : hosts_(std::move(key), "host") {}

std::string IpPseudonymizer::PseudonymForHost(std::string_view host, int component_number) {
  const uint64_t y = hosts_.NumberFor(CanonicalHost(host));
  {
    std::lock_guard lock(seen_mu_);
    components_seen_[y] |= 1u << (std::clamp(component_number, 0, 31));
  }
  return Format(component_number, y);
}

std::optional<std::string> IpPseudonymizer::PseudonymForInstance(std::string_view instance,
                                                                 int component_number,
                                                                 bool keep_port) {
  const std::optional<HostPort> hp = SplitHostPort(instance);
  if (!hp) return std::nullopt;
  std::string out = PseudonymForHost(hp->host, component_number);
  if (keep_port && !hp->port.empty()) {
    out += ':';
    out += hp->port;
  }
  return out;
}

nlohmann::json IpPseudonymizer::Mapping() const {
  nlohmann::json out = nlohmann::json::object();
  std::unordered_map<uint64_t, uint32_t> seen;
  {
    std::lock_guard lock(seen_mu_);
    seen = components_seen_;
  }
  for (const auto& [host, y] : hosts_.Assigned()) {
    nlohmann::json list = nlohmann::json::array();
    const uint32_t bits = seen[y];
    for (int x = 0; x < 32; ++x) {
      if (bits & (1u << x)) list.push_back(Format(x, y));
    }
    out[host] = std::move(list);
  }
  return out;
}

}  // namespace vmx
