#include "importer/bundle_stream.h"

#include <fmt/format.h>

#include <vector>

#include "common/line_splitter.h"

namespace vmx::importer {

Result<std::unique_ptr<BundleStream>> BundleStream::Open(const std::string& path, BundleLimits limits) {
  Result<std::unique_ptr<BundleReader>> r =
      BundleReader::Open(path, {.max_decompressed_bytes = limits.max_decompressed_bytes,
                                .max_decompression_ratio = limits.max_decompression_ratio});
  if (!r.ok()) return r.status();
  return std::unique_ptr<BundleStream>(new BundleStream(std::move(*r), limits));
}

Status BundleStream::ForEachLine(const LineCallback& on_line, StreamProgress* progress,
                                 const std::atomic<bool>* cancel, const BadLineCallback& on_bad_line) {
  constexpr size_t kBlock = 1 << 20;
  std::vector<char> block(kBlock);
  LineSplitter splitter(limits_.max_line_bytes);
  const auto emit = [&](std::string_view line) { return on_line(line, splitter.line_number()); };
  if (on_bad_line) {
    splitter.SetOverlongHandler([&](std::string_view head, uint64_t bytes) {
      return on_bad_line(splitter.line_number(), head, bytes,
                         Status::TooLarge(fmt::format("line is {} bytes, longer than -max-line-size={}", bytes,
                                                      limits_.max_line_bytes)));
    });
  }
  if (progress != nullptr) progress->file_bytes.store(reader_->file_bytes());
  while (true) {
    if (cancel != nullptr && cancel->load()) return Status::Canceled();
    Result<size_t> n = reader_->Read(block);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    Status s = splitter.Feed(std::string_view(block.data(), *n), emit);
    if (progress != nullptr) {
      progress->file_bytes_read.store(reader_->file_bytes_read());
      progress->bytes_read.store(reader_->bytes_read());
      progress->lines.store(splitter.lines());
    }
    if (s.code() == StatusCode::kTooLarge) {
      return s.WithHint("raise -max-line-size if the line is genuine; a vmexporter bundle has short lines");
    }
    if (!s.ok()) return s;
  }
  Status s = splitter.Finish(emit);
  if (progress != nullptr) progress->lines.store(splitter.lines());
  return s;
}

}  // namespace vmx::importer
