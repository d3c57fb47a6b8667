// RejectsFile: keeps the bad lines of an import as JSON lines ({line, error, text}), so none
// silently disappears. Opened on the first bad line; when its path cannot be written (a bundle
// in a read-only directory) it falls back to a private file in the temp directory and says so,
// instead of failing the import. Not thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vmx::importer {

class RejectsFile {
 public:
  // `path` empty: bad lines are counted by the caller but kept nowhere.
  explicit RejectsFile(std::string path) : path_(std::move(path)) {}
  ~RejectsFile();
  RejectsFile(const RejectsFile&) = delete;
  RejectsFile& operator=(const RejectsFile&) = delete;

  // Appends one bad line: its physical number, the reason and its text (or first bytes, with
  // `full_bytes` its real length when the text is cut short). kStorage only when neither the
  // path nor the fallback can be written.
  Status Add(uint64_t line, const std::string& error, std::string_view text,
             uint64_t full_bytes = 0);
  // True once a line was written.
  bool used() const { return f_ != nullptr; }
  // Where the lines are (the fallback path when the first choice failed).
  const std::string& path() const { return path_; }
  // Why the fallback was used ("" when it was not), for the report.
  const std::string& fallback_note() const { return note_; }

 private:
  Status Open();
  std::string path_;
  std::string note_;
  FILE* f_ = nullptr;
};

}  // namespace vmx::importer
