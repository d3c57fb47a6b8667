// StagingArea: one export job's directory under the staging dir. Every completed window lands
// there as two files, its lines as text and the same lines as a raw deflate piece for the ZIP
// (each written as ".part", renamed when complete), next to a small manifest.json listing the plan
// and the completed windows, so a crash or cancel loses at most the windows that were still
// running. The text copy only serves hashing and goes as soon as the bundle has hashed it.
// Holds no secrets. Not thread-safe; the job serialises calls.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "common/status.h"
#include "domain/time_range.h"

namespace vmx {

class StagingArea {
 public:
  StagingArea() = default;
  // Creates (or reopens) "<root>/<job_id>"; root empty means "<system temp>/vmexporter-staging".
  static Result<StagingArea> Open(const std::string& root, const std::string& job_id);

  // The directory, e.g. "/tmp/vmexporter-staging/3f2a…".
  const std::string& dir() const { return dir_; }
  // Final and in-progress file names of a window's lines as text.
  std::string WindowPath(const TimeRange& w) const;
  std::string PartPath(const TimeRange& w) const;
  // Final and in-progress file names of the window's lines as a raw deflate piece.
  std::string DeflatedPath(const TimeRange& w) const;
  std::string DeflatedPartPath(const TimeRange& w) const;
  // Renames a window's ".part" files to their final names.
  Status CompleteWindow(const TimeRange& w) const;
  // Removes the text copy of a window (the deflated piece stays for the bundle and for resume).
  void DropWindowText(const TimeRange& w) const;
  // Replaces manifest.json atomically.
  Status WriteManifest(const nlohmann::json& manifest) const;
  // Removes the directory and everything in it.
  Status Remove() const;

 private:
  std::string dir_;
};

// The default staging root: "<system temp dir>/vmexporter-staging".
std::string DefaultStagingRoot();

}  // namespace vmx
