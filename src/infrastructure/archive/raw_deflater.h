// RawDeflater: compresses one piece of a larger deflate stream, so pieces of one ZIP entry can be
// compressed on several threads at once and concatenated in order afterwards (the way pigz does).
// Each piece is raw deflate (no zlib/gzip header) that ends on a byte boundary without a final
// block; the ZIP writer appends the final block once after the last piece. The piece's CRC-32 and
// length combine with its neighbours' through CombineCrc32. Not thread-safe; one per piece.
//
// Compressed with ISA-L's igzip rather than zlib: at level 1 it deflates the export's JSON lines
// about 7x faster than zlib -1 and its output is about 20% smaller (see bench/export_bench.sh).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vmx {

class RawDeflater {
 public:
  // `level` 1 (fast) .. 9 (small); ISA-L has levels 1..3, so 2..5 use its 2 and 6..9 its 3.
  explicit RawDeflater(int level = 1);
  ~RawDeflater();
  RawDeflater(const RawDeflater&) = delete;
  RawDeflater& operator=(const RawDeflater&) = delete;

  // Compresses `data`, appending whatever compressed bytes are ready to `out`.
  Status Append(std::string_view data, std::string* out);
  // Ends the piece on a byte boundary (sync flush), appending the rest to `out`. Call once.
  Status Finish(std::string* out);

  // CRC-32 and length of the uncompressed bytes given so far.
  uint32_t crc32() const { return crc_; }
  uint64_t uncompressed_bytes() const { return in_bytes_; }

 private:
  Status Run(std::string_view data, bool sync_flush, std::string* out);
  struct Stream;
  std::unique_ptr<Stream> stream_;
  uint32_t crc_ = 0;
  uint64_t in_bytes_ = 0;
};

// The CRC-32 of A followed by B, from the CRC-32s of A and B and B's length.
uint32_t CombineCrc32(uint32_t crc_a, uint32_t crc_b, uint64_t length_b);

// Streams the uncompressed bytes of the RawDeflater piece stored in the file at `path` to `sink`,
// block by block (for hashing a staged window again after its text copy is gone).
Status InflatePieceFile(const std::string& path,
                        const std::function<Status(std::string_view)>& sink);

// The 2-byte empty final block that closes a stream made of RawDeflater pieces.
inline constexpr std::string_view kDeflateFinalBlock{"\x03\x00", 2};

}  // namespace vmx
