// ObfuscatorFor: the process-wide registry of obfuscators, so /api/sample previews, every export
// job and resumed jobs with the same obfuscation settings (and key) share one Obfuscator and
// therefore the same pseudonyms (SPEC.md section 6, "Deterministic").
//
// Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "domain/export_config.h"
#include "infrastructure/obfuscation/obfuscator.h"

namespace vmx {

// Returns the one Obfuscator of this process for these settings, creating it on first use.
// Settings that differ in any field (including the key) get different instances.
std::shared_ptr<Obfuscator> ObfuscatorFor(const ObfuscationConfig& config);

// The registry key for `config`: every field, in a fixed order (the key is hashed, never stored).
std::string ObfuscatorRegistryKey(const ObfuscationConfig& config);

}  // namespace vmx
