// BundleReader: streams the metrics of a bundle file, whatever its packaging.
//
// A bundle is a vmexporter ZIP (metrics.jsonl + metadata.json + README.txt), a bare
// `.jsonl` file or a `.jsonl.gz` file. The format is detected from the first bytes, not the
// name. Read() hands out the decompressed JSON-lines bytes block by block, never the whole file,
// and refuses to decompress more than `max_decompressed_bytes`, or more than
// `ratio_free_bytes` at a ratio above `max_decompression_ratio` (zip bombs). A ZIP's metrics
// entry is located through the central directory and inflated with ISA-L (libarchive's zlib was
// the import's hot spot); libarchive reads gzip files and ZIPs this path does not handle.
// Not thread-safe; one reader per stream.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/status.h"

namespace vmx {

// How the metrics of a bundle are packaged.
enum class BundleFormat { kZip, kJsonl, kJsonlGz };

// Returns "zip", "jsonl" or "jsonl.gz".
const char* BundleFormatName(BundleFormat format);

struct BundleReaderOptions {
  // Read() fails with kTooLarge once the decompressed metrics exceed this; 0 means no limit.
  uint64_t max_decompressed_bytes = 0;
  // Past `ratio_free_bytes` of decompressed metrics, decompressed / compressed bytes may not
  // exceed this (a ZIP whose directory declares more is refused by Open); 0 means no limit.
  uint64_t max_decompression_ratio = 0;
  uint64_t ratio_free_bytes = 1ULL << 30;
  // metadata.json larger than this is ignored (it is a few KiB in a real bundle).
  uint64_t max_metadata_bytes = 4 << 20;
};

class BundleReader {
 public:
  // Opens `path` and positions the reader at the start of the metrics. For a ZIP it picks the
  // `metrics.jsonl` entry (a ZIP without one is refused, naming its other `*.jsonl` entries) and
  // loads `metadata.json` if present.
  static Result<std::unique_ptr<BundleReader>> Open(const std::string& path,
                                                    BundleReaderOptions options = {});
  virtual ~BundleReader() = default;

  // Fills `buf` with the next decompressed bytes; returns how many (0 at the end of the metrics).
  virtual Result<size_t> Read(std::span<char> buf) = 0;

  // The detected packaging.
  BundleFormat format() const { return format_; }
  // The text of metadata.json (ZIP bundles only); empty when absent.
  const std::string& metadata_json() const { return metadata_json_; }
  // The name of the entry or file the metrics come from (e.g. "metrics.jsonl").
  const std::string& metrics_name() const { return metrics_name_; }
  // Size of the bundle file on disk, for progress.
  uint64_t file_bytes() const { return file_bytes_; }
  // Bytes of the bundle file consumed so far (compressed side), for progress and ETA.
  virtual uint64_t file_bytes_read() const = 0;
  // Decompressed metrics bytes handed out so far.
  uint64_t bytes_read() const { return bytes_read_; }

 protected:
  BundleReader() = default;
  // Counts `n` more decompressed bytes and enforces the limits.
  Status Account(size_t n);
  // The error for metrics past max_decompressed_bytes.
  Status SizeLimitError() const;
  // The error for metrics of `decompressed` bytes from `compressed` bytes past the ratio limit.
  Status RatioError(uint64_t decompressed, uint64_t compressed) const;

  BundleFormat format_ = BundleFormat::kJsonl;
  BundleReaderOptions options_;
  std::string path_;
  std::string metadata_json_;
  std::string metrics_name_;
  uint64_t file_bytes_ = 0;
  uint64_t bytes_read_ = 0;
};

}  // namespace vmx
