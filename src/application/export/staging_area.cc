#include "application/export/staging_area.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace vmx {

std::string DefaultStagingRoot() { return (fs::temp_directory_path() / "vmexporter-staging").string(); }

Result<StagingArea> StagingArea::Open(const std::string& root, const std::string& job_id) {
  StagingArea area;
  area.dir_ = (fs::path(root.empty() ? DefaultStagingRoot() : root) / job_id).string();
  std::error_code ec;
  fs::create_directories(area.dir_, ec);
  if (ec) {
    return Status::Storage(fmt::format("cannot create staging dir {}: {}", area.dir_, ec.message()),
                                   "set staging_dir to a writable directory with free space");
  }
  return area;
}

std::string StagingArea::WindowPath(const TimeRange& w) const {
  return fmt::format("{}/window_{:014d}_{:014d}.jsonl", dir_, w.start_ms, w.end_ms);
}

std::string StagingArea::PartPath(const TimeRange& w) const { return WindowPath(w) + ".part"; }

std::string StagingArea::DeflatedPath(const TimeRange& w) const { return WindowPath(w) + ".deflate"; }

std::string StagingArea::DeflatedPartPath(const TimeRange& w) const { return DeflatedPath(w) + ".part"; }

Status StagingArea::CompleteWindow(const TimeRange& w) const {
  std::error_code ec;
  fs::rename(PartPath(w), WindowPath(w), ec);
  if (!ec) fs::rename(DeflatedPartPath(w), DeflatedPath(w), ec);
  if (ec) return Status::Internal(fmt::format("cannot finish staged window {}: {}", WindowPath(w), ec.message()));
  return Status::Ok();
}

void StagingArea::DropWindowText(const TimeRange& w) const {
  std::error_code ec;
  fs::remove(WindowPath(w), ec);  // best effort: the whole directory goes after success anyway
}

Status StagingArea::WriteManifest(const nlohmann::json& manifest) const {
  const std::string path = dir_ + "/manifest.json";
  const std::string tmp = path + ".part";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << manifest.dump(1) << "\n";
    if (!out) return Status::Storage("cannot write " + tmp, "free space in the staging dir (or choose another one)");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::Internal(fmt::format("cannot rename {}: {}", tmp, ec.message()));
  return Status::Ok();
}

Status StagingArea::Remove() const {
  if (dir_.empty()) return Status::Ok();
  std::error_code ec;
  fs::remove_all(dir_, ec);
  if (ec) return Status::Internal(fmt::format("cannot remove staging dir {}: {}", dir_, ec.message()));
  return Status::Ok();
}

}  // namespace vmx
