// StagingLock: marks an export's staging dir as in use by a live process, so another vmexporter
// (or the same one) never lists it as unfinished, resumes it twice or discards it under the export
// that is writing it. An open-file-description lock on `<dir>/.lock`: held while the StagingLock
// lives, released by the kernel when the process dies (a killed export is free to resume).
//
// Move-only; not thread-safe (one owner).
#pragma once

#include <string>

#include "common/status.h"

namespace vmx {

class StagingLock {
 public:
  // Takes the lock of `dir` (which must exist); Conflict when a live process holds it.
  static Result<StagingLock> Acquire(const std::string& dir);

  StagingLock() = default;
  StagingLock(StagingLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  StagingLock& operator=(StagingLock&& other) noexcept;
  StagingLock(const StagingLock&) = delete;
  StagingLock& operator=(const StagingLock&) = delete;
  ~StagingLock();

  bool held() const { return fd_ >= 0; }

 private:
  explicit StagingLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// True when a live process holds the lock of `dir` (tested without taking it).
bool StagingInUse(const std::string& dir);

}  // namespace vmx
