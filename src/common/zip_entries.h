// VisitZipEntries: streams every entry of a ZIP file once, in order, block by block.
// Used where a whole bundle must be checked (vmexporter verify); BundleReader is the tool for
// reading just the metrics.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vmx {

struct ZipEntryVisitor {
  // Called when an entry starts; return false to skip its data.
  std::function<bool(const std::string& name)> begin;
  // Called with consecutive pieces of the entry's uncompressed bytes.
  std::function<Status(std::string_view chunk)> data;
  // Called when the entry's data is complete.
  std::function<Status(const std::string& name)> end;
};

// Visits all entries of the ZIP at `path`. Fails with kTooLarge once more than
// `max_uncompressed_bytes` (0: no limit) were produced in total, and with a clear error for
// damaged or truncated archives.
Status VisitZipEntries(const std::string& path, uint64_t max_uncompressed_bytes,
                       const ZipEntryVisitor& visitor);

}  // namespace vmx
