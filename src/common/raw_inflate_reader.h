// RawInflateReader: streams the uncompressed bytes of raw deflate data stored in a byte range of
// a file, block by block, with ISA-L's igzip (several times faster than zlib's inflate).
// Serves a ZIP entry (BundleReader) and a staged piece of a bundle being assembled.
// Not thread-safe; one reader per stream. The file descriptor is not owned.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vmx {

class RawInflateReader {
 public:
  // Reads the deflate data at [offset, offset + length) of `fd`; `name` names it in errors.
  RawInflateReader(int fd, uint64_t offset, uint64_t length, std::string name);
  ~RawInflateReader();
  RawInflateReader(const RawInflateReader&) = delete;
  RawInflateReader& operator=(const RawInflateReader&) = delete;

  // Fills `buf` with the next uncompressed bytes; returns how many, 0 at the end of the data
  // (the final deflate block, or the end of the range for a stream without one). Damaged data
  // is kInvalidArgument.
  Result<size_t> Read(std::span<char> buf);

  // True once the final deflate block was decoded.
  bool finished() const;
  // CRC-32 of the bytes handed out so far.
  uint32_t crc32() const { return crc_; }
  // Compressed bytes read from the file so far.
  uint64_t compressed_bytes_read() const { return consumed_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  int fd_;
  uint64_t next_offset_;
  uint64_t end_offset_;
  uint64_t consumed_ = 0;
  uint32_t crc_ = 0;
  std::string name_;
};

// Streams the uncompressed bytes of the whole raw deflate file at `path` to `sink`.
Status InflateRawFile(const std::string& path, const std::function<Status(std::string_view)>& sink);

}  // namespace vmx
