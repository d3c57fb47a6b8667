// ZipBundleWriter: writes a ZIP archive (deflate, Zip64 where sizes need it) entry by entry,
// streaming: an entry's size need not be known in advance and no entry is ever held in memory.
// Entries are either compressed here (BeginEntry/Write/EndEntry) or arrive already compressed as
// RawDeflater pieces made on other threads (BeginDeflatedEntry/WriteDeflated/EndDeflatedEntry),
// which is how a large metrics.jsonl gets compressed on every core. Hashes every entry it
// compresses and the archive file itself with SHA-256 while writing.
//
// Written by hand rather than with libarchive because libarchive cannot take pre-compressed entry
// data: with it the whole bundle was deflated on one thread (see bench/export_bench.sh).
//
// The archive is written to "<path>.part" and renamed to `path` only by Commit(), so no
// half-written file ever carries the final name; an uncommitted writer removes its ".part" file.
// Not thread-safe; one writer per archive.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vmx {

class ZipBundleWriter {
 public:
  ~ZipBundleWriter();
  ZipBundleWriter(const ZipBundleWriter&) = delete;
  ZipBundleWriter& operator=(const ZipBundleWriter&) = delete;

  // Creates "<path>.part"; `compression_level` 1 (fast) .. 9 (small) for entries compressed here.
  static Result<std::unique_ptr<ZipBundleWriter>> Create(const std::string& path,
                                                         int compression_level = 1);

  // Starts a regular file entry named `name` that this writer compresses; the previous entry
  // must be ended.
  Status BeginEntry(const std::string& name);
  // Appends bytes to the current entry.
  Status Write(std::string_view data);
  // Ends the current entry and returns the SHA-256 (hex) of its uncompressed bytes.
  Result<std::string> EndEntry();

  // Starts an entry whose data arrives as RawDeflater pieces, in order.
  Status BeginDeflatedEntry(const std::string& name);
  // Appends one piece's compressed bytes as they are.
  Status WriteDeflated(std::string_view piece);
  // Closes the deflate stream and the entry; `crc32` and `uncompressed_bytes` describe all pieces
  // together (CombineCrc32).
  Status EndDeflatedEntry(uint32_t crc32, uint64_t uncompressed_bytes);

  // Finishes the archive, renames it to its final path and returns the SHA-256 (hex) of the file.
  Result<std::string> Commit();

  // Bytes written to the archive file so far.
  uint64_t bytes_written() const;
  const std::string& path() const { return path_; }

 private:
  struct Impl;
  explicit ZipBundleWriter(std::string path);
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vmx
