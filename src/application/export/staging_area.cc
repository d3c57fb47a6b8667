#include "application/export/staging_area.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace fs = std::filesystem;

namespace vmx {

std::string DefaultStagingRoot() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime != nullptr && runtime[0] == '/') return (fs::path(runtime) / "vmexporter").string();
  std::error_code ec;
  fs::path tmp = fs::temp_directory_path(ec);
  if (ec) tmp = "/tmp";
  return (tmp / fmt::format("vmexporter-{}", ::getuid())).string();
}

Status MakePrivateDir(const std::string& dir) {
  std::error_code ec;
  const fs::path p(dir);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Storage(
        fmt::format("cannot create staging dir {}: {}", dir, std::strerror(errno)),
        "set staging_dir to a writable directory with free space");
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid()) {
    // Another user's directory or a planted symlink in a shared temp dir: never write there.
    return Status::PermissionDenied(
        fmt::format("staging dir {} is not a directory of this user", dir),
        "remove it, or set staging_dir to a directory of your own");
  }
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    return Status::Storage(
        fmt::format("cannot make staging dir {} private: {}", dir, std::strerror(errno)));
  }
  return Status::Ok();
}

Result<StagingArea> StagingArea::Open(const std::string& root, const std::string& job_id) {
  const std::string base = root.empty() ? DefaultStagingRoot() : root;
  if (root.empty()) {
    if (Status s = MakePrivateDir(base); !s.ok()) return s;
  }
  StagingArea area;
  area.dir_ = (fs::path(base) / job_id).string();
  if (Status s = MakePrivateDir(area.dir_); !s.ok()) return s;
  return area;
}

std::string StagingArea::DeflatedPath(const TimeRange& w) const {
  return fmt::format("{}/window_{:014d}_{:014d}.jsonl.deflate", dir_, w.start_ms, w.end_ms);
}

std::string StagingArea::DeflatedPartPath(const TimeRange& w) const {
  return DeflatedPath(w) + ".part";
}

FILE* StagingArea::CreateFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return nullptr;
  FILE* f = ::fdopen(fd, "wb");
  if (f == nullptr) ::close(fd);
  return f;
}

Status StagingArea::CompleteWindow(const TimeRange& w) const {
  std::error_code ec;
  fs::rename(DeflatedPartPath(w), DeflatedPath(w), ec);
  if (ec)
    return Status::Internal(
        fmt::format("cannot finish staged window {}: {}", DeflatedPath(w), ec.message()));
  return Status::Ok();
}

Status StagingArea::Remove() const {
  if (dir_.empty()) return Status::Ok();
  std::error_code ec;
  fs::remove_all(dir_, ec);
  if (ec)
    return Status::Internal(fmt::format("cannot remove staging dir {}: {}", dir_, ec.message()));
  return Status::Ok();
}

}  // namespace vmx
