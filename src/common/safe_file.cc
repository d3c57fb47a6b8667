#include "common/safe_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

namespace vmx {
namespace {

// Device and inode name a file; a file created after ours was removed can get the same inode
// number, so the change time (set at creation, rename and writes) and size must match too.
struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  timespec ctime{};
};

bool SameFile(const struct stat& st, const FileIdentity& id) {
  return st.st_dev == id.dev && st.st_ino == id.ino && st.st_size == id.size &&
         st.st_ctim.tv_sec == id.ctime.tv_sec && st.st_ctim.tv_nsec == id.ctime.tv_nsec;
}

std::mutex& RecordMutex() {
  static std::mutex mu;
  return mu;
}

std::map<std::string, FileIdentity>& Records() {
  static auto* records =
      new std::map<std::string, FileIdentity>();  // never destroyed: used until exit
  return *records;
}

}  // namespace

Result<FILE*> CreateNewFile(const std::string& path, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    const int err = errno;
    return Status::Storage(
        fmt::format("cannot create {}: {}", path, std::strerror(err)),
        err == EEXIST ? "something else already has that name; remove it or choose another name"
                      : "choose a directory you can write to");
  }
  FILE* f = ::fdopen(fd, "wb");
  if (f == nullptr) {
    ::close(fd);
    return Status::Storage(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  }
  return f;
}

Result<FILE*> ReplaceWithNewFile(const std::string& path, mode_t mode) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::Storage(
        fmt::format("cannot remove the stale {}: {}", path, std::strerror(errno)));
  }
  return CreateNewFile(path, mode);
}

Status ProbeCanCreateFiles(const std::string& dir) {
  std::string name = (dir.empty() ? std::string(".") : dir) + "/.vmexporter-probe-XXXXXX";
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return Status::Storage(std::strerror(errno));
  ::close(fd);
  ::unlink(name.c_str());
  return Status::Ok();
}

void RecordCreatedFile(const std::string& path, int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return;
  std::lock_guard<std::mutex> lock(RecordMutex());
  Records()[path] = {st.st_dev, st.st_ino, st.st_size, st.st_ctim};
}

Result<int> OpenRecordedFile(const std::string& path) {
  FileIdentity want;
  {
    std::lock_guard<std::mutex> lock(RecordMutex());
    auto it = Records().find(path);
    if (it == Records().end())
      return Status::NotFound(fmt::format("{} was not written by this process", path));
    want = it->second;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return Status::NotFound(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !SameFile(st, want)) {
    ::close(fd);
    return Status::NotFound(fmt::format("{} is no longer the file this process wrote", path),
                            "it was replaced or moved after the export; export again");
  }
  return fd;
}

}  // namespace vmx
