// LineSplitter: the one JSON-lines scanner. Cuts a byte stream that arrives in arbitrary chunks
// into lines without copying complete lines that lie inside a chunk; only a line that spans
// chunks is assembled in a buffer. No limit on line length other than `max_line_bytes`.
// Not thread-safe; one per stream.
#pragma once

#include <cstddef>
#include <cstdint>
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
  // Receives a line longer than max_line_bytes once its end is seen: its first bytes (at most
  // kOverlongHeadBytes) and its full length. The rest of the line is skipped, never buffered.
  using OverlongCallback = std::function<Status(std::string_view head, uint64_t bytes)>;
  static constexpr size_t kOverlongHeadBytes = 1024;

  explicit LineSplitter(size_t max_line_bytes = SIZE_MAX) : max_line_bytes_(max_line_bytes) {}

  // Without a handler an over-long line fails Feed/Finish with kTooLarge; with one it is handed
  // to `on_overlong` and scanning goes on with the next line.
  void SetOverlongHandler(OverlongCallback on_overlong) { on_overlong_ = std::move(on_overlong); }

  // Consumes one chunk, calling `on_line` for every line it completes.
  Status Feed(std::string_view chunk, const LineCallback& on_line);
  // Emits the last line if the stream did not end with "\n".
  Status Finish(const LineCallback& on_line);
  // Number of non-empty lines seen so far (over-long ones included).
  size_t lines() const { return lines_; }
  // Physical 1-based number of the line last handed out, blank lines counted, as an editor
  // shows it.
  size_t line_number() const { return physical_; }

 private:
  Status Emit(std::string_view line, const LineCallback& on_line);
  Status TooLong(std::string_view start, size_t more_bytes);
  Status EndOverlong();
  std::string partial_;
  size_t max_line_bytes_;
  size_t lines_ = 0;
  size_t physical_ = 0;
  OverlongCallback on_overlong_;
  bool skipping_ = false;      // inside an over-long line, dropping bytes up to its "\n"
  std::string overlong_head_;
  uint64_t overlong_bytes_ = 0;
};

}  // namespace vmx
