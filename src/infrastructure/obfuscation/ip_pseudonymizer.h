// IpPseudonymizer: replaces hosts (IPv4, IPv6, host names, cloud names embedding an IP) with
// "777.777.X.Y": Y numbers the host itself and X is the host's own component (see
// ComponentNumber), fixed the first time the host is told or seen, so one host has one pseudonym
// on every port, in every label and in every series that mentions it.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "infrastructure/obfuscation/pseudonym_numbering.h"

namespace vmx {

class IpPseudonymizer {
 public:
  // `key` as in PseudonymNumbering (empty: numbers in order of first sight).
  explicit IpPseudonymizer(std::string key);

  // Returns "777.777.<X>.<Y>" for `host` in any of its forms ("10.0.0.5", "010.0.0.5",
  // "::ffff:10.0.0.5" and "ip-10-0-0-5.ec2.internal" are one host). X is the host's component
  // as first told or seen; `component_number` is what this place says (0: it says nothing).
  std::string PseudonymForHost(std::string_view host, int component_number);

  // Returns the pseudonym of an `instance` value shaped "host", "host:port" or "[v6]:port",
  // keeping the port when `keep_port`; nothing for other shapes (URLs, free text).
  std::optional<std::string> PseudonymForInstance(std::string_view instance, int component_number,
                                                  bool keep_port);

  // Fixes the component of `host` before it is first seen (a later call does not change it).
  void SetHostComponent(std::string_view host, int component_number);

  // canonical host -> [its pseudonym].
  nlohmann::json Mapping() const;

  // Number of distinct hosts seen.
  size_t HostCount() const { return hosts_.size(); }

 private:
  PseudonymNumbering hosts_;
  // The X of host number `y`: `component_number` if the host has none yet, else the one it has.
  int ComponentOf(uint64_t y, int component_number);

  mutable std::mutex x_mu_;
  std::unordered_map<uint64_t, int> x_of_;  // Y -> X
};

}  // namespace vmx
