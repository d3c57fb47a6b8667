// ResumeJournal: the small file (mode 0600) through which `vmimport import -resume=FILE`
// continues an interrupted import after the batches the target acknowledged.
//
// It holds the ResumeState (time shift, retention cut-off, acknowledged batch indexes, the
// baseline count) and what it belongs to: the bundle (path, size, modification time) and the
// options that decide how lines become batches. A journal for another bundle or other such
// options is refused, since its batch indexes would name other lines. It never holds
// credentials. Written to a temp name, fsynced and renamed, so a crash leaves the old or the
// new journal, never half of one. Not thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "importer/import_options.h"
#include "importer/import_report.h"

namespace vmx::importer {

class ResumeJournal {
 public:
  // `path`: the journal file; `bundle`, `options`: what it must belong to.
  ResumeJournal(std::string path, const std::string& bundle, const ImportOptions& options);

  // Next to the bundle (<bundle>.vmimport-resume.json) when that directory is writable, else
  // in the per-user state directory ($XDG_STATE_HOME or ~/.local/state, then vmimport/).
  static std::string DefaultPath(const std::string& bundle);

  // True when the file exists.
  bool Exists() const;
  // Reads the saved state; kNotFound without a file, kInvalidArgument when it belongs to another
  // bundle or other options (the message says which).
  Result<ResumeState> Load() const;
  // Replaces the file with `state` (temp file, fsync, rename; mode 0600).
  Status Save(const ResumeState& state) const;
  // Deletes the file (after a complete import).
  void Remove() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  nlohmann::json identity_;  // bundle and batching options
};

}  // namespace vmx::importer
