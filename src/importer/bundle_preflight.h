// BundlePreflight: what a bundle holds and how it fits the target, before anything is sent.
//
// ScanBundle reads the bundle once: lines, malformed lines (with the same check as the import),
// series, samples, metric names, the time span and the labels per series. The scan does not
// depend on the import options, so one scan answers every later preflight (any time shift,
// retention or label limit) and serves the import's own planning: the page reads an uploaded
// bundle once before the import, not once per option change. Time and memory do not depend on
// the timestamps' values (see PreflightTally).
#pragma once

#include <atomic>
#include <memory>
#include <set>
#include <string>

#include "common/status.h"
#include "importer/bundle_stream.h"
#include "importer/import_options.h"
#include "importer/preflight_tally.h"
#include "importer/target_probe.h"

namespace vmx::importer {

// The result of one pass over a bundle. Immutable after ScanBundle; share it freely.
struct BundleScan {
  std::string bundle_format;
  std::string metadata_json;
  uint64_t lines = 0;
  PreflightTally tally;

  // How the bundle fits: the time shift, a user-given retention and label limit from `options`
  // (else the target's `flags`), at the current time. kInvalidArgument for a bad retention.
  Result<PreflightReport> Report(const ImportOptions& options, const TargetFlags& flags) const;
};

// Reads the bundle at `path` once. Stops with kCanceled once `cancel` becomes true.
Result<std::shared_ptr<const BundleScan>> ScanBundle(const std::string& path, const BundleLimits& limits,
                                                     const std::atomic<bool>* cancel);

}  // namespace vmx::importer
