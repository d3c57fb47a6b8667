#include "common/bundle_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include <fmt/format.h>

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
        return Status::Internal(fmt::format("cannot read bundle {}: {}", path_, std::strerror(errno)));
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
          fmt::format("cannot read {} from bundle {}: {}", metrics_name_, path_, ArchiveError(a_.get())),
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
  std::vector<std::string> other_jsonl;  // named in the error when metrics.jsonl is missing
  while (true) {
    const int r = archive_read_next_header(a->get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return Status::InvalidArgument(
          fmt::format("cannot open ZIP bundle {}: cannot list its entries: {}", path, ArchiveError(a->get())),
          "the ZIP looks incomplete or damaged (was the download or copy cut short?); copy it again");
    }
    const char* raw_name = archive_entry_pathname(entry);
    const std::string name = raw_name != nullptr ? raw_name : "";
    const std::string_view base = BaseName(name);
    if (base == "metrics.jsonl" && metrics_entry->empty()) {
      *metrics_entry = name;
    } else if (EndsWith(base, ".jsonl") && other_jsonl.size() < 10) {
      other_jsonl.push_back(name);
    } else if (base == "metadata.json" && archive_entry_size_is_set(entry) &&
               static_cast<uint64_t>(archive_entry_size(entry)) <= max_metadata) {
      metadata->resize(static_cast<size_t>(archive_entry_size(entry)));
      const la_ssize_t n = archive_read_data(a->get(), metadata->data(), metadata->size());
      if (n != static_cast<la_ssize_t>(metadata->size())) metadata->clear();
      continue;
    }
    archive_read_data_skip(a->get());
  }
  // Another .jsonl is not taken silently in its place: which one is meant is the user's call.
  if (metrics_entry->empty()) {
    std::string names;
    for (const std::string& n : other_jsonl) names += (names.empty() ? "" : ", ") + n;
    return Status::InvalidArgument(
        other_jsonl.empty()
            ? fmt::format("ZIP bundle {} has no metrics.jsonl (and no other .jsonl entry)", path)
            : fmt::format("ZIP bundle {} has no metrics.jsonl; it holds {}", path, names),
        other_jsonl.empty() ? "pick the ZIP that vmexporter produced, or a .jsonl / .jsonl.gz file"
                            : "extract the .jsonl file you mean and import it directly");
  }
  return Status::Ok();
}

}  // namespace

const char* BundleFormatName(BundleFormat format) {
  switch (format) {
    case BundleFormat::kZip: return "zip";
    case BundleFormat::kJsonl: return "jsonl";
    case BundleFormat::kJsonlGz: return "jsonl.gz";
  }
  return "unknown";
}

Status BundleReader::Account(size_t n) {
  bytes_read_ += n;
  if (options_.max_decompressed_bytes != 0 && bytes_read_ > options_.max_decompressed_bytes) {
    return Status::TooLarge(
        fmt::format("bundle {} decompresses to more than {} bytes of metrics", path_,
                    options_.max_decompressed_bytes),
        "this protects against ZIP bombs; if the bundle is genuine, raise -max-decompressed-size");
  }
  return Status::Ok();
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
      if (Status s = ScanZip(path, options.max_metadata_bytes, &metrics_entry, &metadata); !s.ok()) {
        return s;
      }
      Result<ArchivePtr> opened = OpenZip(path);
      if (!opened.ok()) return opened.status();
      a = std::move(*opened);
      archive_entry* entry = nullptr;
      while (true) {
        const int r = archive_read_next_header(a.get(), &entry);
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
          return Status::InvalidArgument(
              fmt::format("cannot find {} in ZIP bundle {}: {}", metrics_entry, path, ArchiveError(a.get())),
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
  reader->file_bytes_ = static_cast<uint64_t>(st.st_size);
  return reader;
}

}  // namespace vmx
