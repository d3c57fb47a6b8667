#include "common/zip_directory.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "common/zip_format.h"

namespace vmx {
namespace {

using zip::kCentralHeaderSig;
using zip::kEndSig;
using zip::kLocalHeaderSig;
using zip::kZip64EndSig;
using zip::kZip64LocatorSig;

// Record sizes from PKWARE's APPNOTE 6.3.
constexpr size_t kEndBytes = 22;
constexpr size_t kZip64LocatorBytes = 20;
constexpr size_t kZip64EndBytes = 56;
constexpr size_t kCentralHeaderBytes = 46;
constexpr size_t kLocalHeaderBytes = 30;
constexpr size_t kMaxComment = 0xffff;
constexpr uint32_t kMax32 = 0xffffffffu;

Status Damaged(const std::string& what) {
  return Status::InvalidArgument("ZIP central directory is damaged: " + what);
}

// Little-endian reads from a byte buffer, bounds-checked by the caller.
uint64_t Le(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

Status ReadAt(int fd, uint64_t offset, size_t n, std::string* out) {
  out->resize(n);
  size_t done = 0;
  while (done < n) {
    const ssize_t r = pread(fd, out->data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0)
      return Status::Internal(fmt::format("cannot read the ZIP file: {}", std::strerror(errno)));
    if (r == 0) return Damaged("it points past the end of the file");
    done += static_cast<size_t>(r);
  }
  return Status::Ok();
}

const unsigned char* Bytes(const std::string& s, size_t at = 0) {
  return reinterpret_cast<const unsigned char*>(s.data()) + at;
}

struct DirectoryLocation {
  uint64_t entries = 0;
  uint64_t size = 0;
  uint64_t offset = 0;
};

Result<DirectoryLocation> LocateDirectory(int fd, uint64_t file_bytes) {
  if (file_bytes < kEndBytes) return Damaged("the file is shorter than its end record");
  const uint64_t tail_bytes = std::min<uint64_t>(file_bytes, kEndBytes + kMaxComment);
  std::string tail;
  if (Status s = ReadAt(fd, file_bytes - tail_bytes, static_cast<size_t>(tail_bytes), &tail);
      !s.ok())
    return s;
  // The end record is the last one whose comment length reaches exactly the end of the file.
  size_t end_at = std::string::npos;
  for (size_t i = tail.size() - kEndBytes + 1; i-- > 0;) {
    if (Le(Bytes(tail, i), 4) == kEndSig &&
        i + kEndBytes + Le(Bytes(tail, i + 20), 2) == tail.size()) {
      end_at = i;
      break;
    }
  }
  if (end_at == std::string::npos) return Damaged("no end of central directory record");
  const unsigned char* e = Bytes(tail, end_at);
  DirectoryLocation loc{Le(e + 10, 2), Le(e + 12, 4), Le(e + 16, 4)};
  const uint64_t end_offset = file_bytes - tail_bytes + end_at;
  if (loc.entries == 0xffff || loc.size == kMax32 || loc.offset == kMax32) {
    if (end_offset < kZip64LocatorBytes) return Damaged("no Zip64 locator");
    std::string locator;
    if (Status s = ReadAt(fd, end_offset - kZip64LocatorBytes, kZip64LocatorBytes, &locator);
        !s.ok())
      return s;
    if (Le(Bytes(locator), 4) != kZip64LocatorSig) return Damaged("no Zip64 locator");
    const uint64_t zip64_end = Le(Bytes(locator, 8), 8);
    std::string z;
    if (zip64_end > file_bytes || file_bytes - zip64_end < kZip64EndBytes)
      return Damaged("bad Zip64 end record offset");
    if (Status s = ReadAt(fd, zip64_end, kZip64EndBytes, &z); !s.ok()) return s;
    if (Le(Bytes(z), 4) != kZip64EndSig) return Damaged("no Zip64 end record");
    loc = {Le(Bytes(z, 32), 8), Le(Bytes(z, 40), 8), Le(Bytes(z, 48), 8)};
  }
  if (loc.offset > file_bytes || loc.size > file_bytes - loc.offset)
    return Damaged("it lies outside the file");
  return loc;
}

// Replaces the 32-bit fields of `e` that overflowed with their Zip64 extra field values.
Status ApplyZip64Extra(std::string_view extra, ZipDirEntry* e, bool offset_overflowed) {
  while (extra.size() >= 4) {
    const auto* p = reinterpret_cast<const unsigned char*>(extra.data());
    const uint16_t id = static_cast<uint16_t>(Le(p, 2));
    const size_t len = static_cast<size_t>(Le(p + 2, 2));
    if (len > extra.size() - 4) return Damaged("an extra field runs past its entry");
    if (id == 0x0001) {
      size_t at = 4;
      for (uint64_t* field :
           {&e->uncompressed_bytes, &e->compressed_bytes, &e->local_header_offset}) {
        const bool overflowed =
            field == &e->local_header_offset ? offset_overflowed : *field == kMax32;
        if (!overflowed) continue;
        if (at + 8 > 4 + len) return Damaged("a Zip64 extra field is too short");
        *field = Le(p + at, 8);
        at += 8;
      }
      return Status::Ok();
    }
    extra.remove_prefix(4 + len);
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<ZipDirEntry>> ReadZipDirectory(int fd, uint64_t file_bytes) {
  Result<DirectoryLocation> loc = LocateDirectory(fd, file_bytes);
  if (!loc.ok()) return loc.status();
  // The directory is a few hundred bytes for a bundle; a huge one is not a bundle.
  constexpr uint64_t kMaxDirectoryBytes = 64 << 20;
  if (loc->size > kMaxDirectoryBytes) return Damaged(fmt::format("it claims {} bytes", loc->size));
  std::string dir;
  if (Status s = ReadAt(fd, loc->offset, static_cast<size_t>(loc->size), &dir); !s.ok()) return s;
  std::vector<ZipDirEntry> entries;
  size_t at = 0;
  for (uint64_t i = 0; i < loc->entries; ++i) {
    if (dir.size() - at < kCentralHeaderBytes || Le(Bytes(dir, at), 4) != kCentralHeaderSig) {
      return Damaged(fmt::format("entry {} of {} is missing", i + 1, loc->entries));
    }
    const unsigned char* h = Bytes(dir, at);
    ZipDirEntry e;
    e.flags = static_cast<uint16_t>(Le(h + 8, 2));
    e.method = static_cast<uint16_t>(Le(h + 10, 2));
    e.crc32 = static_cast<uint32_t>(Le(h + 16, 4));
    e.compressed_bytes = Le(h + 20, 4);
    e.uncompressed_bytes = Le(h + 24, 4);
    const size_t name_len = Le(h + 28, 2), extra_len = Le(h + 30, 2), comment_len = Le(h + 32, 2);
    e.local_header_offset = Le(h + 42, 4);
    const bool offset_overflowed = e.local_header_offset == kMax32;
    if (dir.size() - at - kCentralHeaderBytes < name_len + extra_len + comment_len) {
      return Damaged(fmt::format("entry {} runs past the directory", i + 1));
    }
    e.name = dir.substr(at + kCentralHeaderBytes, name_len);
    const std::string_view extra(dir.data() + at + kCentralHeaderBytes + name_len, extra_len);
    if (Status s = ApplyZip64Extra(extra, &e, offset_overflowed); !s.ok()) return s;
    entries.push_back(std::move(e));
    at += kCentralHeaderBytes + name_len + extra_len + comment_len;
  }
  return entries;
}

Result<uint64_t> ZipEntryDataOffset(int fd, uint64_t file_bytes, const ZipDirEntry& entry) {
  if (entry.local_header_offset > file_bytes ||
      file_bytes - entry.local_header_offset < kLocalHeaderBytes) {
    return Damaged(fmt::format("entry {} starts outside the file", entry.name));
  }
  std::string h;
  if (Status s = ReadAt(fd, entry.local_header_offset, kLocalHeaderBytes, &h); !s.ok()) return s;
  if (Le(Bytes(h), 4) != kLocalHeaderSig)
    return Damaged(fmt::format("entry {} has no local header", entry.name));
  const uint64_t data =
      entry.local_header_offset + kLocalHeaderBytes + Le(Bytes(h, 26), 2) + Le(Bytes(h, 28), 2);
  if (data > file_bytes || file_bytes - data < entry.compressed_bytes) {
    return Damaged(fmt::format("entry {} runs past the end of the file", entry.name));
  }
  return data;
}

}  // namespace vmx
