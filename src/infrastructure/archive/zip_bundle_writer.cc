#include "infrastructure/archive/zip_bundle_writer.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <vector>

#include "common/safe_file.h"
#include "common/zip_format.h"
#include "infrastructure/archive/raw_deflater.h"
#include "infrastructure/archive/sha256_stream.h"

namespace vmx {
namespace {

using zip::kCentralHeaderSig;
using zip::kDataDescriptorSig;
using zip::kEndSig;
using zip::kLocalHeaderSig;
using zip::kZip64EndSig;
using zip::kZip64LocatorSig;

// Field values of the ZIP format (PKWARE APPNOTE 6.3).
constexpr uint16_t kVersionNeeded = 45;                 // 4.5: Zip64
constexpr uint16_t kVersionMadeBy = (3 << 8) | 45;      // Unix, 4.5
constexpr uint16_t kFlags = 0x0008 | 0x0800;            // data descriptor follows; UTF-8 names
constexpr uint16_t kMethodDeflate = 8;
constexpr uint32_t kUnixRegularFile0644 = 0100644u << 16;
constexpr uint32_t kMax32 = 0xffffffffu;

class LittleEndian {
 public:
  LittleEndian& U16(uint16_t v) { return Bytes(v, 2); }
  LittleEndian& U32(uint32_t v) { return Bytes(v, 4); }
  LittleEndian& U64(uint64_t v) { return Bytes(v, 8); }
  LittleEndian& Text(std::string_view s) {
    out_.append(s);
    return *this;
  }
  const std::string& str() const { return out_; }

 private:
  LittleEndian& Bytes(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
  }
  std::string out_;
};

struct DosTime {
  uint16_t time = 0;
  uint16_t date = 0;
};

DosTime DosTimeNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  DosTime t;
  t.time = static_cast<uint16_t>((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
  t.date = static_cast<uint16_t>(((std::max(tm.tm_year, 80) - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
  return t;
}

struct CentralEntry {
  std::string name;
  DosTime time;
  uint32_t crc = 0;
  uint64_t compressed = 0;
  uint64_t uncompressed = 0;
  uint64_t local_offset = 0;
};

enum class EntryKind { kNone, kCompressedHere, kDeflated };

}  // namespace

struct ZipBundleWriter::Impl {
  FILE* file = nullptr;
  std::string part_path;
  int level = 1;
  Sha256Stream file_hash;
  Sha256Stream entry_hash;
  uint64_t bytes = 0;
  std::vector<CentralEntry> entries;
  EntryKind kind = EntryKind::kNone;
  CentralEntry current;
  uint64_t data_start = 0;
  std::unique_ptr<RawDeflater> deflater;
  std::string scratch;
  bool committed = false;
  int write_errno = 0;

  ~Impl() {
    if (file != nullptr) std::fclose(file);
    if (!committed && !part_path.empty()) std::remove(part_path.c_str());
  }

  Status Put(std::string_view data) {
    if (data.empty()) return Status::Ok();
    if (std::fwrite(data.data(), 1, data.size(), file) != data.size()) {
      write_errno = errno;
      return Error("write");
    }
    file_hash.Update(data);
    bytes += data.size();
    return Status::Ok();
  }

  Status Error(const std::string& what) const {
    const std::string cause = write_errno != 0 ? std::strerror(write_errno) : "unknown error";
    return Status::Storage(fmt::format("cannot {} {}: {}", what, part_path, cause),
                            "check free disk space and permissions of the output directory");
  }

  Status BeginLocal(const std::string& name, EntryKind k) {
    if (kind != EntryKind::kNone) {
      return Status::Internal("ZIP entry " + name + " started before the previous one ended");
    }
    current = CentralEntry{name, DosTimeNow(), 0, 0, 0, bytes};
    // Sizes are unknown while streaming: they follow the data in a Zip64 data descriptor, and
    // the Zip64 extra field here says so to streaming readers.
    LittleEndian h;
    h.U32(kLocalHeaderSig).U16(kVersionNeeded).U16(kFlags).U16(kMethodDeflate);
    h.U16(current.time.time).U16(current.time.date).U32(0).U32(kMax32).U32(kMax32);
    h.U16(static_cast<uint16_t>(name.size())).U16(20).Text(name);
    h.U16(0x0001).U16(16).U64(0).U64(0);
    if (Status s = Put(h.str()); !s.ok()) return s;
    kind = k;
    data_start = bytes;
    return Status::Ok();
  }

  Status EndLocal(uint32_t crc, uint64_t uncompressed) {
    if (Status s = Put(kDeflateFinalBlock); !s.ok()) return s;
    current.crc = crc;
    current.uncompressed = uncompressed;
    current.compressed = bytes - data_start;
    LittleEndian d;
    d.U32(kDataDescriptorSig).U32(crc).U64(current.compressed).U64(uncompressed);
    if (Status s = Put(d.str()); !s.ok()) return s;
    entries.push_back(current);
    kind = EntryKind::kNone;
    return Status::Ok();
  }

  Status WriteCentralDirectory() {
    const uint64_t cd_start = bytes;
    for (const CentralEntry& e : entries) {
      // Zip64 extra: only the fields that do not fit, in the order the format fixes.
      LittleEndian extra;
      if (e.uncompressed >= kMax32) extra.U64(e.uncompressed);
      if (e.compressed >= kMax32) extra.U64(e.compressed);
      if (e.local_offset >= kMax32) extra.U64(e.local_offset);
      const std::string zip64 = extra.str();
      LittleEndian h;
      h.U32(kCentralHeaderSig).U16(kVersionMadeBy).U16(kVersionNeeded).U16(kFlags).U16(kMethodDeflate);
      h.U16(e.time.time).U16(e.time.date).U32(e.crc);
      h.U32(static_cast<uint32_t>(std::min<uint64_t>(e.compressed, kMax32)));
      h.U32(static_cast<uint32_t>(std::min<uint64_t>(e.uncompressed, kMax32)));
      h.U16(static_cast<uint16_t>(e.name.size())).U16(zip64.empty() ? 0 : static_cast<uint16_t>(zip64.size() + 4));
      h.U16(0).U16(0).U16(0).U32(kUnixRegularFile0644);
      h.U32(static_cast<uint32_t>(std::min<uint64_t>(e.local_offset, kMax32))).Text(e.name);
      if (!zip64.empty()) h.U16(0x0001).U16(static_cast<uint16_t>(zip64.size())).Text(zip64);
      if (Status s = Put(h.str()); !s.ok()) return s;
    }
    const uint64_t cd_size = bytes - cd_start;
    const bool needs_zip64 = cd_start >= kMax32 || cd_size >= kMax32 || entries.size() >= 0xffff;
    LittleEndian end;
    if (needs_zip64) {
      const uint64_t zip64_end_at = bytes;
      end.U32(kZip64EndSig).U64(44).U16(kVersionMadeBy).U16(kVersionNeeded).U32(0).U32(0);
      end.U64(entries.size()).U64(entries.size()).U64(cd_size).U64(cd_start);
      end.U32(kZip64LocatorSig).U32(0).U64(zip64_end_at).U32(1);
    }
    const uint16_t count = static_cast<uint16_t>(std::min<size_t>(entries.size(), 0xffff));
    end.U32(kEndSig).U16(0).U16(0).U16(count).U16(count);
    end.U32(static_cast<uint32_t>(std::min<uint64_t>(cd_size, kMax32)));
    end.U32(static_cast<uint32_t>(std::min<uint64_t>(cd_start, kMax32))).U16(0);
    return Put(end.str());
  }
};

ZipBundleWriter::ZipBundleWriter(std::string path) : path_(std::move(path)), impl_(std::make_unique<Impl>()) {}

ZipBundleWriter::~ZipBundleWriter() = default;

Result<std::unique_ptr<ZipBundleWriter>> ZipBundleWriter::Create(const std::string& path,
                                                                 int compression_level) {
  std::unique_ptr<ZipBundleWriter> w(new ZipBundleWriter(path));
  Impl& im = *w->impl_;
  im.part_path = path + ".part";
  im.level = compression_level;
  // Never through a name planted in the output directory: a symlink there is removed, not followed.
  Result<FILE*> file = ReplaceWithNewFile(im.part_path);
  if (!file.ok()) return file.status();
  im.file = *file;
  std::setvbuf(im.file, nullptr, _IOFBF, 1 << 20);
  return w;
}

Status ZipBundleWriter::BeginEntry(const std::string& name) {
  if (Status s = impl_->BeginLocal(name, EntryKind::kCompressedHere); !s.ok()) return s;
  impl_->deflater = std::make_unique<RawDeflater>(impl_->level);
  return Status::Ok();
}

Status ZipBundleWriter::Write(std::string_view data) {
  Impl& im = *impl_;
  if (im.kind != EntryKind::kCompressedHere) return Status::Internal("ZIP data written outside an entry");
  im.entry_hash.Update(data);
  im.scratch.clear();
  if (Status s = im.deflater->Append(data, &im.scratch); !s.ok()) return s;
  return im.Put(im.scratch);
}

Result<std::string> ZipBundleWriter::EndEntry() {
  Impl& im = *impl_;
  if (im.kind != EntryKind::kCompressedHere) return Status::Internal("no ZIP entry to end");
  im.scratch.clear();
  if (Status s = im.deflater->Finish(&im.scratch); !s.ok()) return s;
  if (Status s = im.Put(im.scratch); !s.ok()) return s;
  if (Status s = im.EndLocal(im.deflater->crc32(), im.deflater->uncompressed_bytes()); !s.ok()) return s;
  im.deflater.reset();
  return im.entry_hash.HexDigest();
}

Status ZipBundleWriter::BeginDeflatedEntry(const std::string& name) {
  return impl_->BeginLocal(name, EntryKind::kDeflated);
}

Status ZipBundleWriter::WriteDeflated(std::string_view piece) {
  if (impl_->kind != EntryKind::kDeflated) return Status::Internal("deflated ZIP data written outside an entry");
  return impl_->Put(piece);
}

Status ZipBundleWriter::EndDeflatedEntry(uint32_t crc32, uint64_t uncompressed_bytes) {
  if (impl_->kind != EntryKind::kDeflated) return Status::Internal("no deflated ZIP entry to end");
  return impl_->EndLocal(crc32, uncompressed_bytes);
}

Result<std::string> ZipBundleWriter::Commit() {
  Impl& im = *impl_;
  if (im.kind != EntryKind::kNone) return Status::Internal("ZIP archive finished inside an entry");
  if (Status s = im.WriteCentralDirectory(); !s.ok()) return s;
  const bool flushed = std::fflush(im.file) == 0 && fsync(fileno(im.file)) == 0;
  const int err = errno;
  if (!flushed) {
    return Status::Storage(fmt::format("cannot write {}: {}", im.part_path, std::strerror(err)),
                            "check free disk space in the output directory");
  }
  std::error_code ec;
  std::filesystem::rename(im.part_path, path_, ec);
  if (ec) {
    return Status::Internal(fmt::format("cannot rename {} to {}: {}", im.part_path, path_, ec.message()));
  }
  // Downloads serve this very file only (device and inode), not whatever is renamed over it later.
  RecordCreatedFile(path_, fileno(im.file));
  std::fclose(im.file);
  im.file = nullptr;
  im.committed = true;
  return im.file_hash.HexDigest();
}

uint64_t ZipBundleWriter::bytes_written() const { return impl_->bytes; }

}  // namespace vmx
