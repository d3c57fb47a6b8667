#include "common/line_splitter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace vmx {

Status LineSplitter::Emit(std::string_view line, const LineCallback& on_line) {
  ++physical_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return Status::Ok();
  ++lines_;
  return on_line(line);
}

// Called when the line that begins with partial_ + `start` exceeds the limit.
Status LineSplitter::TooLong(std::string_view start, size_t more_bytes) {
  if (!on_overlong_) {
    return Status::TooLarge(fmt::format("line {} is longer than {} bytes", physical_ + 1, max_line_bytes_));
  }
  skipping_ = true;
  overlong_bytes_ = partial_.size() + more_bytes;
  overlong_head_ = partial_.substr(0, kOverlongHeadBytes);
  overlong_head_.append(start.substr(0, kOverlongHeadBytes - overlong_head_.size()));
  partial_.clear();
  partial_.shrink_to_fit();  // the buffer may have grown to max_line_bytes
  return Status::Ok();
}

Status LineSplitter::EndOverlong() {
  skipping_ = false;
  ++physical_;
  ++lines_;
  Status s = on_overlong_(overlong_head_, overlong_bytes_);
  overlong_head_.clear();
  return s;
}

Status LineSplitter::Feed(std::string_view chunk, const LineCallback& on_line) {
  while (!chunk.empty()) {
    const void* nl = std::memchr(chunk.data(), '\n', chunk.size());
    const size_t len = nl == nullptr ? chunk.size() : static_cast<const char*>(nl) - chunk.data();
    if (!skipping_ && partial_.size() + len > max_line_bytes_) {
      if (Status s = TooLong(chunk.substr(0, len), len); !s.ok()) return s;
    } else if (skipping_) {
      overlong_bytes_ += len;
    }
    if (skipping_) {
      if (nl == nullptr) return Status::Ok();
      chunk.remove_prefix(len + 1);
      if (Status s = EndOverlong(); !s.ok()) return s;
      continue;
    }
    if (nl == nullptr) {
      partial_.append(chunk);
      return Status::Ok();
    }
    Status s;
    if (partial_.empty()) {
      s = Emit(chunk.substr(0, len), on_line);
    } else {
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
  if (skipping_) return EndOverlong();
  if (partial_.empty()) return Status::Ok();
  Status s = Emit(partial_, on_line);
  partial_.clear();
  return s;
}

}  // namespace vmx
