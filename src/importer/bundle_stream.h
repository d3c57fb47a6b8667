// BundleStream: the lines of a bundle, read block by block with the size limits applied.
// Not thread-safe; progress counters may be read from other threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/bundle_reader.h"
#include "common/status.h"

namespace vmx::importer {

struct BundleLimits {
  uint64_t max_decompressed_bytes = 0;  // 0: no limit
  size_t max_line_bytes = 32 << 20;
  uint64_t max_decompression_ratio = 0;  // past 1 GiB of metrics; 0: no limit
};

// Counters that another thread may read while the stream runs.
struct StreamProgress {
  std::atomic<uint64_t> file_bytes{0};       // size of the bundle file
  std::atomic<uint64_t> file_bytes_read{0};  // compressed side, for the ETA
  std::atomic<uint64_t> bytes_read{0};       // decompressed metrics bytes
  std::atomic<uint64_t> lines{0};
};

class BundleStream {
 public:
  // Receives each non-empty line and its physical 1-based line number (blank lines counted).
  using LineCallback = std::function<Status(std::string_view line, uint64_t line_number)>;
  // Receives a line that cannot be read as a line (longer than max_line_bytes): its number, its
  // first bytes, its length and the reason (kTooLarge). It is a bad line like a malformed one.
  using BadLineCallback =
      std::function<Status(uint64_t line_number, std::string_view head, uint64_t bytes, const Status& why)>;

  // Opens the bundle at `path`.
  static Result<std::unique_ptr<BundleStream>> Open(const std::string& path, BundleLimits limits);

  // Calls `on_line` for every line until the end, an error, or `cancel` becoming true. An
  // over-long line goes to `on_bad_line`; without one it stops the stream with kTooLarge.
  Status ForEachLine(const LineCallback& on_line, StreamProgress* progress,
                     const std::atomic<bool>* cancel, const BadLineCallback& on_bad_line = nullptr);

  const BundleReader& reader() const { return *reader_; }

 private:
  BundleStream(std::unique_ptr<BundleReader> reader, BundleLimits limits)
      : reader_(std::move(reader)), limits_(limits) {}
  std::unique_ptr<BundleReader> reader_;
  BundleLimits limits_;
};

}  // namespace vmx::importer
