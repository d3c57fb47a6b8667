// StagingArea: one export job's directory under the staging dir. Every completed window lands
// there once, as a raw deflate piece of its lines for the ZIP (written as ".part", renamed when
// complete), next to the job's manifest and journal (StagingJournal), so a crash or cancel loses
// at most the windows that were still running. Directories are 0700 and files 0600, created
// without following symlinks. Holds no secrets. Not thread-safe; the job serialises calls.
#pragma once

#include <cstdio>
#include <string>

#include "common/status.h"
#include "domain/time_range.h"

namespace vmx {

class StagingArea {
 public:
  StagingArea() = default;
  // Creates (or reopens) "<root>/<job_id>"; root empty means DefaultStagingRoot().
  static Result<StagingArea> Open(const std::string& root, const std::string& job_id);

  // The directory, e.g. "/run/user/1000/vmexporter/3f2a…".
  const std::string& dir() const { return dir_; }
  // Final and in-progress file names of the window's lines as a raw deflate piece.
  std::string DeflatedPath(const TimeRange& w) const;
  std::string DeflatedPartPath(const TimeRange& w) const;
  // Creates (truncates) `path` for writing with mode 0600, refusing a symlink; null on failure
  // (errno set).
  static FILE* CreateFile(const std::string& path);
  // Renames a window's ".part" piece to its final name.
  Status CompleteWindow(const TimeRange& w) const;
  // Removes the directory and everything in it.
  Status Remove() const;

 private:
  std::string dir_;
};

// The default staging root, private to this user: "$XDG_RUNTIME_DIR/vmexporter" when that is
// set, else "<temp dir>/vmexporter-<uid>".
std::string DefaultStagingRoot();

// Creates `dir` and its missing parents; the last component gets mode 0700 and must be a real
// directory (not a symlink) owned by this user.
Status MakePrivateDir(const std::string& dir);

}  // namespace vmx
