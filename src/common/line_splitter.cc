#include "common/line_splitter.h"

#include <fmt/format.h>

#include <cstring>

namespace vmx {

Status LineSplitter::Emit(std::string_view line, const LineCallback& on_line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return Status::Ok();
  ++lines_;
  return on_line(line);
}

Status LineSplitter::Feed(std::string_view chunk, const LineCallback& on_line) {
  while (!chunk.empty()) {
    const void* nl = std::memchr(chunk.data(), '\n', chunk.size());
    if (nl == nullptr) {
      if (partial_.size() + chunk.size() > max_line_bytes_) {
        return Status::TooLarge(fmt::format("line {} is longer than {} bytes", lines_ + 1, max_line_bytes_));
      }
      partial_.append(chunk);
      return Status::Ok();
    }
    const size_t len = static_cast<const char*>(nl) - chunk.data();
    Status s;
    if (partial_.empty()) {
      if (len > max_line_bytes_) {
        return Status::TooLarge(fmt::format("line {} is longer than {} bytes", lines_ + 1, max_line_bytes_));
      }
      s = Emit(chunk.substr(0, len), on_line);
    } else {
      if (partial_.size() + len > max_line_bytes_) {
        return Status::TooLarge(fmt::format("line {} is longer than {} bytes", lines_ + 1, max_line_bytes_));
      }
      partial_.append(chunk.substr(0, len));
      s = Emit(partial_, on_line);
      partial_.clear();
    }
    if (!s.ok()) return s;
    chunk.remove_prefix(len + 1);
  }
  return Status::Ok();
}

Status LineSplitter::Finish(const LineCallback& on_line) {
  if (partial_.empty()) return Status::Ok();
  Status s = Emit(partial_, on_line);
  partial_.clear();
  return s;
}

}  // namespace vmx
