#include "importer/rejects_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace vmx::importer {

RejectsFile::~RejectsFile() {
  if (f_ != nullptr) std::fclose(f_);
}

Status RejectsFile::Open() {
  f_ = std::fopen(path_.c_str(), "w");
  if (f_ != nullptr) return Status::Ok();
  const std::string first_error = std::strerror(errno);
  std::error_code ec;
  std::string fallback =
      (std::filesystem::temp_directory_path(ec) / "vmimport-rejects-XXXXXX.jsonl").string();
  const int fd = ::mkstemps(fallback.data(), 6);  // 0600, a name nobody else holds
  if (fd >= 0) f_ = ::fdopen(fd, "w");
  if (f_ == nullptr) {
    if (fd >= 0) ::close(fd);
    return Status::Storage(
        fmt::format("cannot create the rejects file {} ({}) nor a temp file for it", path_,
                    first_error),
        "choose a writable -rejects-file");
  }
  note_ = fmt::format("cannot create {} ({}); bad lines kept in {} instead", path_, first_error,
                      fallback);
  path_ = std::move(fallback);
  return Status::Ok();
}

Status RejectsFile::Add(uint64_t line, const std::string& error, std::string_view text,
                        uint64_t full_bytes) {
  if (path_.empty()) return Status::Ok();
  if (f_ == nullptr) {
    if (Status s = Open(); !s.ok()) return s;
  }
  nlohmann::json j = {{"line", line}, {"error", error}, {"text", std::string(text)}};
  if (full_bytes > text.size()) {
    j["truncated"] = true;
    j["bytes"] = full_bytes;
  }
  const std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (std::fwrite(s.data(), 1, s.size(), f_) != s.size() || std::fflush(f_) != 0) {
    return Status::Storage(
        fmt::format("cannot write the rejects file {}: {}", path_, std::strerror(errno)),
        "check free space, or choose another -rejects-file");
  }
  return Status::Ok();
}

}  // namespace vmx::importer
