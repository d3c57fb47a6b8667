#include "application/export/staging_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vmx {
namespace {

constexpr const char* kLockName = "/.lock";

struct flock WholeFileWriteLock() {
  struct flock l {};
  l.l_type = F_WRLCK;
  l.l_whence = SEEK_SET;
  l.l_start = 0;
  l.l_len = 0;
  return l;
}

}  // namespace

Result<StagingLock> StagingLock::Acquire(const std::string& dir) {
  const std::string path = dir + kLockName;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return Status::Storage(fmt::format("cannot create {}: {}", path, std::strerror(errno)),
                           "check the permissions of the staging dir");
  }
  struct flock l = WholeFileWriteLock();
  if (::fcntl(fd, F_OFD_SETLK, &l) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EAGAIN || err == EACCES) {
      return Status::Conflict(fmt::format("the export in {} is running in another process", dir),
                              "wait for it to finish, or stop that vmexporter first");
    }
    return Status::Storage(fmt::format("cannot lock {}: {}", path, std::strerror(err)));
  }
  return StagingLock(fd);
}

StagingLock& StagingLock::operator=(StagingLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

StagingLock::~StagingLock() {
  if (fd_ >= 0) ::close(fd_);
}

bool StagingInUse(const std::string& dir) {
  const std::string path = dir + kLockName;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;  // never locked: written by an older vmexporter, or not started yet
  struct flock l = WholeFileWriteLock();
  const bool in_use = ::fcntl(fd, F_OFD_GETLK, &l) == 0 && l.l_type != F_UNLCK;
  ::close(fd);
  return in_use;
}

}  // namespace vmx
