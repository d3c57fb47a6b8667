#include "infrastructure/obfuscation/ip_pseudonymizer.h"

#include <fmt/format.h>

#include "infrastructure/obfuscation/address_syntax.h"

namespace vmx {

namespace {

std::string Format(int component_number, uint64_t host_number) {
  return fmt::format("777.777.{}.{}", component_number, host_number);
}

}  // namespace

IpPseudonymizer::IpPseudonymizer(std::string key) : hosts_(std::move(key), "host") {}

int IpPseudonymizer::ComponentOf(uint64_t y, int component_number) {
  std::lock_guard lock(x_mu_);
  return x_of_.try_emplace(y, component_number).first->second;
}

std::string IpPseudonymizer::PseudonymForHost(std::string_view host, int component_number) {
  const uint64_t y = hosts_.NumberFor(CanonicalHost(host));
  return Format(ComponentOf(y, component_number), y);
}

void IpPseudonymizer::SetHostComponent(std::string_view host, int component_number) {
  ComponentOf(hosts_.NumberFor(CanonicalHost(host)), component_number);
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
  std::unordered_map<uint64_t, int> x_of;
  {
    std::lock_guard lock(x_mu_);
    x_of = x_of_;
  }
  for (const auto& [host, y] : hosts_.Assigned())
    out[host] = nlohmann::json::array({Format(x_of[y], y)});
  return out;
}

}  // namespace vmx
