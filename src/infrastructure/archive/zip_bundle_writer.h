// ZipBundleWriter: writes a ZIP archive (libarchive, deflate) entry by entry, streaming: an entry's
// size need not be known in advance and no entry is ever held in memory. Hashes every entry's
// uncompressed bytes and the archive itself with SHA-256 while writing.
//
// The archive is written to "<path>.part" and renamed to `path` only by Commit(), so no
// half-written file ever carries the final name; an uncommitted writer removes its ".part" file.
// Not thread-safe; one writer per archive.
#pragma once

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

  // Creates "<path>.part"; `compression_level` 1 (fast) .. 9 (small).
  static Result<std::unique_ptr<ZipBundleWriter>> Create(const std::string& path,
                                                         int compression_level = 1);

  // Starts a regular file entry named `name`; the previous entry must be ended.
  Status BeginEntry(const std::string& name);
  // Appends bytes to the current entry.
  Status Write(std::string_view data);
  // Ends the current entry and returns the SHA-256 (hex) of its uncompressed bytes.
  Result<std::string> EndEntry();
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
