#include "application/obfuscator_registry.h"

#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "infrastructure/archive/sha256_stream.h"

namespace vmx {

namespace {

std::string KeyDigest(const std::string& key) {
  Sha256Stream hash;
  hash.Update(key);
  return hash.HexDigest();
}

}  // namespace

std::string ObfuscatorRegistryKey(const ObfuscationConfig& c) {
  // JSON keeps the lists unambiguous; the key itself only enters as a hash so that the registry
  // never holds the secret in a readable form beyond the Obfuscator's own copy.
  const nlohmann::json j = {c.enabled,         c.obfuscate_instance, c.obfuscate_job,
                            c.preserve_structure, c.deep_scrub,      c.custom_labels,
                            c.drop_labels,     c.keep_labels,
                            c.key.empty() ? std::string() : KeyDigest(c.key)};
  return j.dump();
}

std::shared_ptr<Obfuscator> ObfuscatorFor(const ObfuscationConfig& config) {
  // Instances live for the whole process: pseudonyms must agree with earlier previews and exports.
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<Obfuscator>> registry;
  const std::string key = ObfuscatorRegistryKey(config);
  std::lock_guard<std::mutex> lock(mu);
  auto it = registry.find(key);
  if (it == registry.end()) {
    it = registry.emplace(key, std::make_shared<Obfuscator>(config)).first;
  }
  return it->second;
}

}  // namespace vmx
