#include "infrastructure/archive/zip_bundle_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include <unistd.h>

#include "infrastructure/archive/sha256_stream.h"

namespace vmx {

struct ZipBundleWriter::Impl {
  archive* a = nullptr;
  FILE* file = nullptr;
  std::string part_path;
  Sha256Stream file_hash;
  Sha256Stream entry_hash;
  uint64_t bytes = 0;
  bool in_entry = false;
  bool committed = false;
  int write_errno = 0;

  ~Impl() {
    if (a != nullptr) archive_write_free(a);  // also closes; the callbacks tolerate a closed file
    if (file != nullptr) std::fclose(file);
    if (!committed && !part_path.empty()) std::remove(part_path.c_str());
  }

  // libarchive hands us compressed bytes here: they go to the file and into the archive's hash.
  static la_ssize_t OnWrite(archive*, void* self_ptr, const void* buf, size_t n) {
    auto* self = static_cast<Impl*>(self_ptr);
    if (self->file == nullptr) return -1;
    if (std::fwrite(buf, 1, n, self->file) != n) {
      self->write_errno = errno;
      return -1;
    }
    self->file_hash.Update({static_cast<const char*>(buf), n});
    self->bytes += n;
    return static_cast<la_ssize_t>(n);
  }

  Status Error(const std::string& what) const {
    std::string cause = a != nullptr && archive_error_string(a) != nullptr ? archive_error_string(a)
                                                                           : "unknown error";
    if (write_errno != 0) cause = std::strerror(write_errno);
    return Status::Internal(fmt::format("cannot {} in {}: {}", what, part_path, cause),
                            "check free disk space and permissions of the output directory");
  }
};

ZipBundleWriter::ZipBundleWriter(std::string path) : path_(std::move(path)), impl_(std::make_unique<Impl>()) {}

ZipBundleWriter::~ZipBundleWriter() = default;

Result<std::unique_ptr<ZipBundleWriter>> ZipBundleWriter::Create(const std::string& path,
                                                                 int compression_level) {
  std::unique_ptr<ZipBundleWriter> w(new ZipBundleWriter(path));
  Impl& im = *w->impl_;
  im.part_path = path + ".part";
  im.file = std::fopen(im.part_path.c_str(), "wb");
  if (im.file == nullptr) {
    return Status::Internal(fmt::format("cannot create {}: {}", im.part_path, std::strerror(errno)),
                            "choose an output directory you can write to");
  }
  im.a = archive_write_new();
  if (archive_write_set_format_zip(im.a) != ARCHIVE_OK ||
      archive_write_set_options(
          im.a, fmt::format("zip:compression=deflate,zip:compression-level={}", compression_level)
                    .c_str()) != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(im.a, 64 * 1024) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(im.a, 1) != ARCHIVE_OK) {
    return im.Error("configure the ZIP writer");
  }
  if (archive_write_open(im.a, &im, nullptr, &Impl::OnWrite, nullptr) != ARCHIVE_OK) {
    return im.Error("start the ZIP archive");
  }
  return w;
}

Status ZipBundleWriter::BeginEntry(const std::string& name) {
  Impl& im = *impl_;
  if (im.in_entry) return Status::Internal("ZIP entry " + name + " started before the previous one ended");
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_mtime(e, std::time(nullptr), 0);
  // No size: libarchive then streams the entry with a data descriptor (and Zip64 fields).
  const int rc = archive_write_header(im.a, e);
  archive_entry_free(e);
  if (rc != ARCHIVE_OK) return im.Error("start entry " + name);
  im.in_entry = true;
  return Status::Ok();
}

Status ZipBundleWriter::Write(std::string_view data) {
  Impl& im = *impl_;
  while (!data.empty()) {
    const la_ssize_t n = archive_write_data(im.a, data.data(), data.size());
    if (n <= 0) return im.Error("write ZIP entry data");
    im.entry_hash.Update(data.substr(0, static_cast<size_t>(n)));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Result<std::string> ZipBundleWriter::EndEntry() {
  Impl& im = *impl_;
  if (archive_write_finish_entry(im.a) != ARCHIVE_OK) return im.Error("finish a ZIP entry");
  im.in_entry = false;
  return im.entry_hash.HexDigest();
}

Result<std::string> ZipBundleWriter::Commit() {
  Impl& im = *impl_;
  if (archive_write_close(im.a) != ARCHIVE_OK) return im.Error("finish the ZIP archive");
  archive_write_free(im.a);
  im.a = nullptr;
  const bool flushed = std::fflush(im.file) == 0 && fsync(fileno(im.file)) == 0;
  const int err = errno;
  std::fclose(im.file);
  im.file = nullptr;
  if (!flushed) {
    return Status::Internal(fmt::format("cannot write {}: {}", im.part_path, std::strerror(err)),
                            "check free disk space in the output directory");
  }
  std::error_code ec;
  std::filesystem::rename(im.part_path, path_, ec);
  if (ec) {
    return Status::Internal(fmt::format("cannot rename {} to {}: {}", im.part_path, path_, ec.message()));
  }
  im.committed = true;
  return im.file_hash.HexDigest();
}

uint64_t ZipBundleWriter::bytes_written() const { return impl_->bytes; }

}  // namespace vmx
