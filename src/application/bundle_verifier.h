// BundleVerifier: checks a vmexporter ZIP bundle the way support would before trusting it
// (`vmexporter verify`): the sidecar checksum, every entry's SHA-256 against metadata.json, the
// structure, that metrics.jsonl parses, and, when the bundle says it is obfuscated, that no
// address, host name or e-mail is left in any label value; with the user's mapping, that no
// original it lists appears in any entry.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace vmx {

struct BundleCheck {
  std::string name;  // e.g. "sha256 metrics.jsonl"
  bool passed = false;
  std::string detail;  // what was found, for a person
};

struct BundleVerification {
  std::vector<BundleCheck> checks;
  uint64_t lines = 0;
  uint64_t series = 0;  // distinct series: a series exported in several windows has a line per window
  uint64_t samples = 0;
  uint64_t leftover_values = 0;                // label values that still hold an address
  std::vector<std::string> leftover_examples;  // "line 12: addr=10.0.0.5:8400" (first few)

  // True iff every check passed.
  bool ok() const;
  // A short report, one line per check, then the counts.
  std::string ToText() const;
};

struct BundleVerifyOptions {
  uint64_t max_uncompressed_bytes = 64ULL << 30;  // zip-bomb guard
  size_t max_examples = 5;
  // Originals to scan every entry for (the leak guard of the export, from the user's mapping
  // file, see LeakGuard::OriginalsInMapping); empty: no such scan.
  std::vector<std::string> originals;
};

// Verifies the bundle at `zip_path`. An error Status only when the file cannot be read at all;
// every finding about its content is a failed check in the result.
Result<BundleVerification> VerifyBundle(const std::string& zip_path,
                                        const BundleVerifyOptions& options = {});

}  // namespace vmx
