#include "application/export/staging_journal.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace vmx {
namespace {

constexpr const char* kManifest = "manifest.json";
constexpr const char* kJournal = "journal.jsonl";

Status WriteError(const std::string& path) {
  return Status::Storage(fmt::format("cannot write {}: {}", path, std::strerror(errno)),
                         "free space in the staging dir (or choose another one)");
}

// Writes `text` to `path` (0600, no symlink), replacing what was there.
Status WritePrivateFile(const std::string& path, const std::string& text, int extra_flags) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | extra_flags, 0600);
  if (fd < 0) return WriteError(path);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return WriteError(path);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return WriteError(path);
  return Status::Ok();
}

nlohmann::json WindowJson(const JournalWindow& w) {
  nlohmann::json j = {{"start", FormatRfc3339(w.range.start_ms)},
                      {"end", FormatRfc3339(w.range.end_ms)},
                      {"start_ms", w.range.start_ms},
                      {"end_ms", w.range.end_ms},
                      {"completed", w.completed}};
  if (w.completed && w.record.is_object()) {
    for (const auto& [k, v] : w.record.items()) j[k] = v;
  }
  return j;
}

JournalWindow WindowFromJson(const nlohmann::json& j) {
  JournalWindow w;
  w.range = {j.value("start_ms", int64_t{0}), j.value("end_ms", int64_t{0})};
  w.completed = j.value("completed", false);
  if (w.completed) {
    w.record = j;
    for (const char* k : {"start", "end", "start_ms", "end_ms", "completed"}) w.record.erase(k);
  }
  return w;
}

}  // namespace

Status StagingJournal::Compact(nlohmann::json header,
                               const std::vector<JournalWindow>& windows) const {
  nlohmann::json list = nlohmann::json::array();
  for (const JournalWindow& w : windows) list.push_back(WindowJson(w));
  header["windows"] = std::move(list);
  const std::string path = dir_ + "/" + kManifest;
  const std::string tmp = path + ".part";
  if (Status s = WritePrivateFile(tmp, header.dump(1) + "\n", O_TRUNC); !s.ok()) return s;
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::Storage(fmt::format("cannot rename {}: {}", tmp, ec.message()));
  // Only now: a crash before the rename leaves the old manifest and its journal, both valid.
  return WritePrivateFile(dir_ + "/" + kJournal, "", O_TRUNC);
}

Status StagingJournal::Append(const JournalWindow& w) const {
  // One write() of one line with O_APPEND: a crash leaves at most a torn last line.
  return WritePrivateFile(dir_ + "/" + kJournal, WindowJson(w).dump() + "\n", O_APPEND);
}

Result<nlohmann::json> StagingJournal::Load(const std::string& dir) {
  std::ifstream in(fs::path(dir) / kManifest);
  if (!in) return Status::NotFound(fmt::format("no manifest in {}", dir));
  nlohmann::json manifest = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return Status::NotFound(fmt::format("the manifest in {} is not readable", dir));
  }
  std::vector<JournalWindow> completed;
  std::ifstream journal(fs::path(dir) / kJournal);
  for (std::string line; std::getline(journal, line);) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) continue;  // torn by a crash mid-write
    JournalWindow w = WindowFromJson(j);
    if (w.completed && w.range.end_ms > w.range.start_ms) completed.push_back(std::move(w));
  }
  if (!completed.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const JournalWindow& w : CarveWindows(WindowsOf(manifest), completed))
      list.push_back(WindowJson(w));
    manifest["windows"] = std::move(list);
  }
  return manifest;
}

std::vector<JournalWindow> StagingJournal::WindowsOf(const nlohmann::json& manifest) {
  std::vector<JournalWindow> out;
  if (!manifest.contains("windows") || !manifest["windows"].is_array()) return out;
  for (const nlohmann::json& j : manifest["windows"]) {
    if (j.is_object()) out.push_back(WindowFromJson(j));
  }
  return out;
}

std::vector<JournalWindow> CarveWindows(const std::vector<JournalWindow>& planned,
                                        const std::vector<JournalWindow>& completed) {
  std::map<UnixMillis, JournalWindow> done;
  for (const JournalWindow& w : planned) {
    if (w.completed) done[w.range.start_ms] = w;
  }
  for (const JournalWindow& w : completed) done[w.range.start_ms] = w;
  std::vector<JournalWindow> out;
  for (const JournalWindow& p : planned) {
    if (p.completed) continue;
    UnixMillis at = p.range.start_ms;
    for (auto it = done.lower_bound(p.range.start_ms);
         it != done.end() && it->second.range.end_ms <= p.range.end_ms; ++it) {
      if (it->first < at) continue;  // overlaps an earlier completed part: keep the first
      if (it->first > at) out.push_back({{at, it->first}, false, {}});
      at = it->second.range.end_ms;
    }
    if (at < p.range.end_ms) out.push_back({{at, p.range.end_ms}, false, {}});
  }
  for (const auto& [start, w] : done) out.push_back(w);
  std::sort(out.begin(), out.end(), [](const JournalWindow& a, const JournalWindow& b) {
    return a.range.start_ms < b.range.start_ms;
  });
  // A completed window outside every planned one (a changed plan) would overlap: drop overlaps.
  std::vector<JournalWindow> clean;
  for (JournalWindow& w : out) {
    if (!clean.empty() && w.range.start_ms < clean.back().range.end_ms) continue;
    clean.push_back(std::move(w));
  }
  return clean;
}

}  // namespace vmx
