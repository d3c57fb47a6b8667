// IpPseudonymizer: replaces hosts (IPv4, IPv6, host names, cloud names embedding an IP) with
// "777.777.X.Y": X is the component number of the series (see ComponentNumber), Y numbers the
// host itself, so one host keeps its Y on every port, in every label and in every component.
//
// Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <mutex>
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

  // Returns "777.777.<component_number>.<Y>" for `host` in any of its forms
  // ("10.0.0.5", "010.0.0.5", "::ffff:10.0.0.5" and "ip-10-0-0-5.ec2.internal" share one Y).
  std::string PseudonymForHost(std::string_view host, int component_number);

  // Returns the pseudonym of an `instance` value shaped "host", "host:port" or "[v6]:port",
  // keeping the port when `keep_port`; nothing for other shapes (URLs, free text).
  std::optional<std::string> PseudonymForInstance(std::string_view instance, int component_number,
                                                  bool keep_port);

  // canonical host -> the pseudonyms it was given (one per component number it appeared under).
  nlohmann::json Mapping() const;

  // Number of distinct hosts seen.
  size_t HostCount() const { return hosts_.size(); }

 private:
  PseudonymNumbering hosts_;
  mutable std::mutex seen_mu_;
  std::unordered_map<uint64_t, uint32_t> components_seen_;  // Y -> bit set of X values (0..31)
};

}  // namespace vmx
