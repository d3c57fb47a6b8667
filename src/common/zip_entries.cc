#include "common/zip_entries.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <memory>
#include <vector>

namespace vmx {
namespace {

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::string Damaged(const std::string& path, archive* a) {
  const char* msg = archive_error_string(a);
  return fmt::format("cannot read ZIP {}: {}", path, msg != nullptr ? msg : "unknown error");
}

}  // namespace

Status VisitZipEntries(const std::string& path, uint64_t max_uncompressed_bytes,
                       const ZipEntryVisitor& visitor) {
  std::unique_ptr<archive, ArchiveFree> a(archive_read_new());
  archive_read_support_format_zip(a.get());
  const char* hint = "the ZIP looks truncated or damaged; copy or download it again";
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return Status::InvalidArgument(Damaged(path, a.get()), hint);
  }
  std::vector<char> buf(1 << 16);
  uint64_t total = 0;
  archive_entry* entry = nullptr;
  while (true) {
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) return Status::Ok();
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return Status::InvalidArgument(Damaged(path, a.get()), hint);
    }
    const char* raw = archive_entry_pathname(entry);
    const std::string name = raw != nullptr ? raw : "";
    if (!visitor.begin(name)) {
      archive_read_data_skip(a.get());
      continue;
    }
    while (true) {
      const la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
      if (n < 0) return Status::InvalidArgument(Damaged(path, a.get()).append(" (entry " + name + ")"), hint);
      if (n == 0) break;
      total += static_cast<uint64_t>(n);
      if (max_uncompressed_bytes != 0 && total > max_uncompressed_bytes) {
        return Status::TooLarge(fmt::format(
            "ZIP {} unpacks to more than {} bytes; refusing to go on (a zip bomb?)", path,
            max_uncompressed_bytes));
      }
      if (Status s = visitor.data(std::string_view(buf.data(), static_cast<size_t>(n))); !s.ok()) return s;
    }
    if (Status s = visitor.end(name); !s.ok()) return s;
  }
}

}  // namespace vmx
