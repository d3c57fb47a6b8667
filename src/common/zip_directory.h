// ReadZipDirectory: the entries of a ZIP file from its central directory (Zip64 included),
// without decompressing anything; ZipEntryDataOffset: where an entry's data starts.
// Lets BundleReader find an entry and stream it with its own inflater, and judge an entry's
// compression ratio before reading it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace vmx {

struct ZipDirEntry {
  std::string name;
  uint16_t flags = 0;   // general purpose bit flag; bit 0: encrypted
  uint16_t method = 0;  // 0 stored, 8 deflate
  uint32_t crc32 = 0;
  uint64_t compressed_bytes = 0;
  uint64_t uncompressed_bytes = 0;
  uint64_t local_header_offset = 0;
};

// The entries of the ZIP open as `fd` (size `file_bytes`), in central directory order.
// kInvalidArgument when the directory is missing, truncated or inconsistent.
Result<std::vector<ZipDirEntry>> ReadZipDirectory(int fd, uint64_t file_bytes);

// The file offset of `entry`'s data (after its local header), checked to lie inside the file.
Result<uint64_t> ZipEntryDataOffset(int fd, uint64_t file_bytes, const ZipDirEntry& entry);

}  // namespace vmx
