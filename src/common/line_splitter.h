// LineSplitter: the one JSON-lines scanner. Cuts a byte stream that arrives in arbitrary chunks
// into lines without copying complete lines that lie inside a chunk; only a line that spans
// chunks is assembled in a buffer. No limit on line length other than `max_line_bytes`.
// Not thread-safe; one per stream.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vmx {

class LineSplitter {
 public:
  // Receives each line without its "\n" (a trailing "\r" is removed too); empty lines are
  // skipped. Return a non-ok Status to stop; Feed/Finish then return it.
  using LineCallback = std::function<Status(std::string_view line)>;

  explicit LineSplitter(size_t max_line_bytes = SIZE_MAX) : max_line_bytes_(max_line_bytes) {}

  // Consumes one chunk, calling `on_line` for every line it completes.
  Status Feed(std::string_view chunk, const LineCallback& on_line);
  // Emits the last line if the stream did not end with "\n".
  Status Finish(const LineCallback& on_line);
  // Number of lines emitted so far (1-based line number of the last one).
  size_t lines() const { return lines_; }

 private:
  Status Emit(std::string_view line, const LineCallback& on_line);
  std::string partial_;
  size_t max_line_bytes_;
  size_t lines_ = 0;
};

}  // namespace vmx
