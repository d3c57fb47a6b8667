#include "common/bundle_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/raw_inflate_reader.h"
#include "common/zip_directory.h"

namespace vmx {
namespace {

constexpr size_t kArchiveBlock = 256 << 10;

std::string ArchiveError(archive* a) {
  const char* msg = archive_error_string(a);
  return msg != nullptr ? msg : "its central directory is missing or damaged";
}

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveCloser>;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The base name of a ZIP entry path ("dir/metrics.jsonl" -> "metrics.jsonl").
std::string_view BaseName(std::string_view p) {
  const size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

// Picks the metrics entry of a ZIP: `metrics.jsonl` in any folder, else the first `*.jsonl`.
class MetricsEntryChooser {
 public:
  // Considers one entry name, in archive order; returns true if it is the metrics.
  bool Offer(const std::string& name) {
    const std::string_view base = BaseName(name);
    if (base == "metrics.jsonl" && metrics_.empty()) {
      metrics_ = name;
      return true;
    }
    // Another .jsonl is never taken silently in its place: which one is meant is the user's
    // call, so it is only named in the error.
    if (EndsWith(base, ".jsonl") && others_.size() < 10) others_.push_back(name);
    return false;
  }
  const std::string& chosen() const { return metrics_; }
  const std::vector<std::string>& others() const { return others_; }

 private:
  std::string metrics_;
  std::vector<std::string> others_;
};

bool IsMetadataName(const std::string& name) { return BaseName(name) == "metadata.json"; }

Status NoMetricsError(const std::string& path, const std::vector<std::string>& others) {
  if (others.empty()) {
    return Status::InvalidArgument(
        fmt::format("ZIP bundle {} has no metrics.jsonl (and no other .jsonl entry)", path),
        "pick the ZIP that vmexporter produced, or a .jsonl / .jsonl.gz file");
  }
  std::string names;
  for (const std::string& n : others) names += (names.empty() ? "" : ", ") + n;
  return Status::InvalidArgument(
      fmt::format("ZIP bundle {} has no metrics.jsonl; it holds {}", path, names),
      "extract the .jsonl file you mean and import it directly");
}

Status DamagedEntryError(const std::string& entry, const std::string& path,
                         const std::string& why) {
  return Status::InvalidArgument(
      fmt::format("cannot read {} from bundle {}: {}", entry, path, why),
      "the file looks damaged or truncated; copy it again and compare its SHA-256 with the one "
      "vmexporter printed");
}

// Plain .jsonl: read(2) straight from the file.
class PlainReader final : public BundleReader {
 public:
  explicit PlainReader(int fd) : fd_(fd) {}
  ~PlainReader() override { close(fd_); }

  Result<size_t> Read(std::span<char> buf) override {
    while (true) {
      const ssize_t n = ::read(fd_, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        return Status::Internal(
            fmt::format("cannot read bundle {}: {}", path_, std::strerror(errno)));
      }
      if (Status s = Account(static_cast<size_t>(n)); !s.ok()) return s;
      return static_cast<size_t>(n);
    }
  }
  uint64_t file_bytes_read() const override { return bytes_read_; }

  friend class BundleReader;

 private:
  int fd_;
};

// ZIP entries and gzip streams: libarchive positioned at the metrics data.
class ArchiveReader final : public BundleReader {
 public:
  explicit ArchiveReader(ArchivePtr a) : a_(std::move(a)) {}

  Result<size_t> Read(std::span<char> buf) override {
    const la_ssize_t n = archive_read_data(a_.get(), buf.data(), buf.size());
    if (n < 0) {
      return Status::InvalidArgument(
          fmt::format("cannot read {} from bundle {}: {}", metrics_name_, path_,
                      ArchiveError(a_.get())),
          "the file looks damaged or truncated; copy it again and compare its SHA-256 with the "
          "one vmexporter printed");
    }
    if (Status s = Account(static_cast<size_t>(n)); !s.ok()) return s;
    return static_cast<size_t>(n);
  }
  uint64_t file_bytes_read() const override {
    const la_int64_t n = archive_filter_bytes(a_.get(), -1);
    return n < 0 ? 0 : static_cast<uint64_t>(n);
  }

  friend class BundleReader;

 private:
  ArchivePtr a_;
};

// A deflated ZIP entry located through the central directory, inflated with ISA-L; checks the
// entry's size and CRC-32 against the directory at the end.
class IsalZipReader final : public BundleReader {
 public:
  IsalZipReader(int fd, const ZipDirEntry& entry, uint64_t data_offset, const std::string& path)
      : fd_(fd),
        entry_(entry),
        data_offset_(data_offset),
        inflater_(fd, data_offset, entry.compressed_bytes, entry.name + " in " + path) {}
  ~IsalZipReader() override { close(fd_); }

  Result<size_t> Read(std::span<char> buf) override {
    // A directory that declares more than the limit is refused before any data goes out.
    if (bytes_read_ == 0 && options_.max_decompressed_bytes != 0 &&
        entry_.uncompressed_bytes > options_.max_decompressed_bytes) {
      return SizeLimitError();
    }
    Result<size_t> n = inflater_.Read(buf);
    if (!n.ok()) return DamagedEntryError(metrics_name_, path_, n.status().message());
    if (bytes_read_ + *n > entry_.uncompressed_bytes) {
      return DamagedEntryError(metrics_name_, path_,
                               fmt::format("it holds more than the {} bytes its directory declares",
                                           entry_.uncompressed_bytes));
    }
    if (Status s = Account(*n); !s.ok()) return s;
    if (*n == 0) {
      if (!inflater_.finished() || bytes_read_ != entry_.uncompressed_bytes) {
        return DamagedEntryError(metrics_name_, path_,
                                 fmt::format("it ends after {} of its {} bytes", bytes_read_,
                                             entry_.uncompressed_bytes));
      }
      if (inflater_.crc32() != entry_.crc32)
        return DamagedEntryError(metrics_name_, path_, "CRC-32 mismatch");
    }
    return *n;
  }
  uint64_t file_bytes_read() const override {
    return data_offset_ + inflater_.compressed_bytes_read();
  }

 private:
  int fd_;
  ZipDirEntry entry_;
  uint64_t data_offset_;
  RawInflateReader inflater_;
};

// metadata.json from the directory entry `e` (stored or deflated); empty when unreadable.
std::string ReadSmallEntry(int fd, uint64_t file_bytes, const ZipDirEntry& e, uint64_t max_bytes) {
  if (e.uncompressed_bytes > max_bytes || (e.method != 0 && e.method != 8) || (e.flags & 1) != 0)
    return {};
  Result<uint64_t> at = ZipEntryDataOffset(fd, file_bytes, e);
  if (!at.ok()) return {};
  std::string out(static_cast<size_t>(e.uncompressed_bytes), '\0');
  if (e.method == 0) {
    const ssize_t n = e.compressed_bytes == e.uncompressed_bytes
                          ? pread(fd, out.data(), out.size(), static_cast<off_t>(*at))
                          : -1;
    return n == static_cast<ssize_t>(out.size()) ? out : std::string();
  }
  RawInflateReader inflater(fd, *at, e.compressed_bytes, e.name);
  size_t got = 0;
  while (got < out.size()) {
    Result<size_t> n = inflater.Read(std::span<char>(out.data() + got, out.size() - got));
    if (!n.ok() || *n == 0) return {};
    got += *n;
  }
  return inflater.crc32() == e.crc32 ? out : std::string();
}

// What the ISA-L path needs of a ZIP, from its central directory.
struct ZipPick {
  bool usable = false;  // false: leave the ZIP to libarchive
  ZipDirEntry metrics;
  uint64_t data_offset = 0;
  std::string metadata;
};

// Locates the metrics entry (and reads metadata.json) through the central directory. Not
// usable when the directory cannot be read or the entry is not plainly deflated: libarchive then
// reads the ZIP and words any error. Fails only for a ZIP without metrics.
Result<ZipPick> PickZipEntries(int fd, uint64_t file_bytes, const std::string& path,
                               uint64_t max_metadata) {
  ZipPick pick;
  Result<std::vector<ZipDirEntry>> dir = ReadZipDirectory(fd, file_bytes);
  if (!dir.ok()) return pick;
  MetricsEntryChooser chooser;
  const ZipDirEntry* metadata = nullptr;
  for (const ZipDirEntry& e : *dir) {
    if (!chooser.Offer(e.name) && IsMetadataName(e.name) && metadata == nullptr) metadata = &e;
  }
  if (chooser.chosen().empty()) return NoMetricsError(path, chooser.others());
  const auto metrics = std::find_if(
      dir->begin(), dir->end(), [&](const ZipDirEntry& e) { return e.name == chooser.chosen(); });
  if (metrics->method != 8 || (metrics->flags & 1) != 0) return pick;
  Result<uint64_t> data_offset = ZipEntryDataOffset(fd, file_bytes, *metrics);
  if (!data_offset.ok()) return pick;
  pick.usable = true;
  pick.metrics = *metrics;
  pick.data_offset = *data_offset;
  if (metadata != nullptr) pick.metadata = ReadSmallEntry(fd, file_bytes, *metadata, max_metadata);
  return pick;
}

Result<ArchivePtr> OpenZip(const std::string& path) {
  ArchivePtr a(archive_read_new());
  archive_read_support_format_zip(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), kArchiveBlock) != ARCHIVE_OK) {
    return Status::InvalidArgument(
        fmt::format("cannot open ZIP bundle {}: {}", path, ArchiveError(a.get())),
        "the ZIP looks incomplete or damaged (was the download or copy cut short?); copy it again");
  }
  return a;
}

// Walks the ZIP's entries once to find the metrics entry and read metadata.json.
Status ScanZip(const std::string& path, uint64_t max_metadata, std::string* metrics_entry,
               std::string* metadata) {
  Result<ArchivePtr> a = OpenZip(path);
  if (!a.ok()) return a.status();
  archive_entry* entry = nullptr;
  MetricsEntryChooser chooser;
  while (true) {
    const int r = archive_read_next_header(a->get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return Status::InvalidArgument(
          fmt::format("cannot open ZIP bundle {}: cannot list its entries: {}", path,
                      ArchiveError(a->get())),
          "the ZIP looks incomplete or damaged (was the download or copy cut short?); copy it "
          "again");
    }
    const char* raw_name = archive_entry_pathname(entry);
    const std::string name = raw_name != nullptr ? raw_name : "";
    if (!chooser.Offer(name) && IsMetadataName(name) && archive_entry_size_is_set(entry) &&
        static_cast<uint64_t>(archive_entry_size(entry)) <= max_metadata) {
      metadata->resize(static_cast<size_t>(archive_entry_size(entry)));
      const la_ssize_t n = archive_read_data(a->get(), metadata->data(), metadata->size());
      if (n != static_cast<la_ssize_t>(metadata->size())) metadata->clear();
      continue;
    }
    archive_read_data_skip(a->get());
  }
  *metrics_entry = chooser.chosen();
  if (metrics_entry->empty()) return NoMetricsError(path, chooser.others());
  return Status::Ok();
}

}  // namespace

const char* BundleFormatName(BundleFormat format) {
  switch (format) {
    case BundleFormat::kZip:
      return "zip";
    case BundleFormat::kJsonl:
      return "jsonl";
    case BundleFormat::kJsonlGz:
      return "jsonl.gz";
  }
  return "unknown";
}

Status BundleReader::Account(size_t n) {
  bytes_read_ += n;
  if (options_.max_decompressed_bytes != 0 && bytes_read_ > options_.max_decompressed_bytes) {
    return SizeLimitError();
  }
  const uint64_t ratio = options_.max_decompression_ratio;
  if (ratio != 0 && bytes_read_ > options_.ratio_free_bytes) {
    const uint64_t compressed = std::max<uint64_t>(file_bytes_read(), 1);
    if (bytes_read_ / compressed >= ratio) return RatioError(bytes_read_, compressed);
  }
  return Status::Ok();
}

Status BundleReader::SizeLimitError() const {
  return Status::TooLarge(
      fmt::format("bundle {} decompresses to more than {} bytes of metrics", path_,
                  options_.max_decompressed_bytes),
      "this protects against ZIP bombs; if the bundle is genuine, raise -max-decompressed-size");
}

Status BundleReader::RatioError(uint64_t decompressed, uint64_t compressed) const {
  return Status::TooLarge(
      fmt::format("bundle {} expands {} compressed bytes to {} bytes of metrics, more than {}:1",
                  path_, compressed, decompressed, options_.max_decompression_ratio),
      "this protects against ZIP bombs (real metrics compress about 10:1); if the bundle is "
      "genuine, "
      "raise -max-decompression-ratio (0 turns the check off)");
}

Result<std::unique_ptr<BundleReader>> BundleReader::Open(const std::string& path,
                                                         BundleReaderOptions options) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::NotFound(fmt::format("cannot open bundle {}: {}", path, std::strerror(errno)),
                            "check the path");
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::InvalidArgument(fmt::format("cannot open bundle {}: not a regular file", path));
  }
  unsigned char magic[4] = {0, 0, 0, 0};
  const ssize_t got = pread(fd, magic, sizeof(magic), 0);
  const bool zip = got >= 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
  const bool gz = got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;

  std::unique_ptr<BundleReader> reader;
  const uint64_t file_bytes = static_cast<uint64_t>(st.st_size);
  if (zip) {
    Result<ZipPick> pick = PickZipEntries(fd, file_bytes, path, options.max_metadata_bytes);
    if (!pick.ok()) {
      close(fd);
      return pick.status();
    }
    if (pick->usable) {
      reader = std::make_unique<IsalZipReader>(fd, pick->metrics, pick->data_offset, path);
      reader->format_ = BundleFormat::kZip;
      reader->metrics_name_ = pick->metrics.name;
      reader->metadata_json_ = std::move(pick->metadata);
      reader->options_ = options;
      reader->path_ = path;
      reader->file_bytes_ = file_bytes;
      // A directory that declares a bomb is refused before anything is read.
      const uint64_t declared = pick->metrics.uncompressed_bytes;
      const uint64_t compressed = std::max<uint64_t>(pick->metrics.compressed_bytes, 1);
      if (options.max_decompression_ratio != 0 && declared > options.ratio_free_bytes &&
          declared / compressed >= options.max_decompression_ratio) {
        return reader->RatioError(declared, compressed);
      }
      return reader;
    }
  }
  if (!zip && !gz) {
    reader = std::make_unique<PlainReader>(fd);
    reader->format_ = BundleFormat::kJsonl;
    const size_t slash = path.rfind('/');
    reader->metrics_name_ = slash == std::string::npos ? path : path.substr(slash + 1);
  } else {
    close(fd);
    ArchivePtr a;
    std::string metrics_entry;
    std::string metadata;
    if (zip) {
      if (Status s = ScanZip(path, options.max_metadata_bytes, &metrics_entry, &metadata);
          !s.ok()) {
        return s;
      }
      Result<ArchivePtr> opened = OpenZip(path);
      if (!opened.ok()) return opened.status();
      a = std::move(*opened);
      archive_entry* entry = nullptr;
      while (true) {
        const int r = archive_read_next_header(a.get(), &entry);
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
          return Status::InvalidArgument(fmt::format("cannot find {} in ZIP bundle {}: {}",
                                                     metrics_entry, path, ArchiveError(a.get())),
                                         "the ZIP looks incomplete or damaged; copy it again");
        }
        const char* name = archive_entry_pathname(entry);
        if (name != nullptr && metrics_entry == name) break;
        archive_read_data_skip(a.get());
      }
    } else {
      a.reset(archive_read_new());
      archive_read_support_filter_gzip(a.get());
      archive_read_support_format_raw(a.get());
      archive_entry* entry = nullptr;
      if (archive_read_open_filename(a.get(), path.c_str(), kArchiveBlock) != ARCHIVE_OK ||
          archive_read_next_header(a.get(), &entry) != ARCHIVE_OK) {
        return Status::InvalidArgument(
            fmt::format("cannot open gzip bundle {}: {}", path, ArchiveError(a.get())),
            "the file looks damaged; copy it again");
      }
      const size_t slash = path.rfind('/');
      metrics_entry = slash == std::string::npos ? path : path.substr(slash + 1);
    }
    auto ar = std::make_unique<ArchiveReader>(std::move(a));
    ar->format_ = zip ? BundleFormat::kZip : BundleFormat::kJsonlGz;
    ar->metrics_name_ = std::move(metrics_entry);
    ar->metadata_json_ = std::move(metadata);
    reader = std::move(ar);
  }
  reader->options_ = options;
  reader->path_ = path;
  reader->file_bytes_ = file_bytes;
  return reader;
}

}  // namespace vmx
