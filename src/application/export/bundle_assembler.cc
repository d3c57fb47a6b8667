#include "application/export/bundle_assembler.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/line_splitter.h"
#include "infrastructure/archive/bundle_readme.h"
#include "infrastructure/archive/raw_deflater.h"
#include "infrastructure/archive/sha256_stream.h"
#include "infrastructure/archive/zip_bundle_writer.h"
#include "infrastructure/obfuscation/leak_guard.h"

namespace vmx {
namespace {

constexpr size_t kCopyBlock = 1 << 20;

// Streams the file at `path` to `sink` in blocks of `block`'s size.
Status CopyFile(const std::string& path, std::string& block,
                const std::function<Status(std::string_view)>& sink) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return Status::Internal(
        fmt::format("cannot read staged piece {}: {}", path, std::strerror(errno)),
        "resume the export: the window is fetched again");
  }
  block.resize(kCopyBlock);
  Status s;
  while (s.ok()) {
    const ssize_t n = ::read(fd, block.data(), block.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      s = Status::Internal(
          fmt::format("cannot read staged piece {}: {}", path, std::strerror(errno)));
    if (n <= 0) break;
    s = sink({block.data(), static_cast<size_t>(n)});
  }
  ::close(fd);
  return s;
}

}  // namespace

Result<std::unique_ptr<BundleAssembler>> BundleAssembler::Create(const std::string& path,
                                                                 int compression_level,
                                                                 LeakGuardSource leak_guards) {
  Result<std::unique_ptr<ZipBundleWriter>> zip = ZipBundleWriter::Create(path, compression_level);
  if (!zip.ok()) return zip.status();
  std::unique_ptr<BundleAssembler> a(new BundleAssembler());
  a->zip_ = std::move(*zip);
  a->metrics_hash_ = std::make_unique<Sha256Stream>();
  a->leak_guards_ = std::move(leak_guards);
  if (Status s = a->zip_->BeginDeflatedEntry("metrics.jsonl"); !s.ok()) return s;
  return a;
}

BundleAssembler::~BundleAssembler() = default;

const std::string& BundleAssembler::path() const { return zip_->path(); }

Status BundleAssembler::AddWindow(const std::string& piece_path, const WindowStats& stats,
                                  const std::atomic<bool>& stop) {
  uint64_t seen = 0;
  LineSplitter lines;
  // A series is its metric object; inside JSON strings a quote is escaped, so the first
  // ',"values":' of a line ends the metric.
  const std::unique_ptr<LeakGuard> guard = leak_guards_ ? leak_guards_() : nullptr;
  LeakScan leaks;
  const LineSplitter::LineCallback each_line = [&](std::string_view line) {
    const size_t end = line.find(",\"values\":");
    series_.insert(std::hash<std::string_view>{}(line.substr(0, end)));
    if (guard != nullptr) guard->FeedExportLine(leaks, line);
    return Status::Ok();
  };
  Status s = InflatePieceFile(piece_path, [&](std::string_view text) -> Status {
    if (stop) return Status::Canceled();
    metrics_hash_->Update(text);
    seen += text.size();
    return lines.Feed(text, each_line);
  });
  if (s.ok()) s = lines.Finish(each_line);
  if (s.ok() && guard != nullptr) {
    guard->Finish(leaks);
    if (leaks.hits > 0) s = LeakFound("metrics.jsonl", leaks);
  }
  if (s.ok() && seen != stats.bytes) {
    s = Status::Internal(
        fmt::format("staged piece {} holds {} bytes, {} were written", piece_path, seen,
                    stats.bytes),
        "the staging dir was changed while the export ran; start the export again");
  }
  if (s.ok()) {
    s = CopyFile(piece_path, block_, [&](std::string_view piece) {
      return stop ? Status::Canceled() : zip_->WriteDeflated(piece);
    });
  }
  if (!s.ok()) return s;
  crc_ = CombineCrc32(crc_, stats.crc32, stats.bytes);
  bytes_ += stats.bytes;
  return Status::Ok();
}

Result<std::string> BundleAssembler::Finish(BundleMetadata& m) {
  if (Status s = zip_->EndDeflatedEntry(crc_, bytes_); !s.ok()) return s;
  m.metrics_count = series_.size();
  m.entry_sha256["metrics.jsonl"] = metrics_hash_->HexDigest();
  const std::unique_ptr<LeakGuard> guard = leak_guards_ ? leak_guards_() : nullptr;
  const auto add_entry = [&](const std::string& name, const std::string& text) -> Status {
    if (guard != nullptr) {
      if (Status leak = guard->Check(name, text); !leak.ok()) return leak;
    }
    Status s = zip_->BeginEntry(name);
    if (s.ok()) s = zip_->Write(text);
    if (!s.ok()) return s;
    Result<std::string> sha = zip_->EndEntry();
    if (!sha.ok()) return sha.status();
    m.entry_sha256[name] = *sha;
    return Status::Ok();
  };
  if (Status s = add_entry("README.txt", BundleReadmeText(m)); !s.ok()) return s;
  if (Status s = add_entry("metadata.json", BundleMetadataToJson(m).dump(2) + "\n"); !s.ok())
    return s;
  Result<std::string> zip_sha = zip_->Commit();
  if (!zip_sha.ok()) return zip_sha.status();
  if (Status side = WriteSha256Sidecar(zip_->path(), *zip_sha); !side.ok()) return side;
  series_ = {};  // the set can be large; nothing needs it any more
  return zip_sha;
}

}  // namespace vmx
