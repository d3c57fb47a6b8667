#include "importer/resume_journal.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

namespace vmx::importer {
namespace {

namespace fs = std::filesystem;

std::string TimeShiftText(const TimeShift& t) {
  switch (t.mode) {
    case TimeShift::Mode::kNone:
      return "none";
    case TimeShift::Mode::kNow:
      return "now";
    case TimeShift::Mode::kAlign:
      return fmt::format("align:{}", t.align_to_ms);
    case TimeShift::Mode::kFixed:
      return fmt::format("fixed:{}", t.fixed_ms);
  }
  return "";
}

// What a journal belongs to: the bundle file, and every option that changes which lines make
// up batch N or where they go.
nlohmann::json Identity(const std::string& bundle, const ImportOptions& o) {
  std::error_code ec;
  const std::string abs = fs::absolute(bundle, ec).string();
  struct stat st {};
  const bool have = ::stat(bundle.c_str(), &st) == 0;
  return {{"bundle", abs},
          {"bundle_size", have ? static_cast<uint64_t>(st.st_size) : 0},
          {"bundle_mtime_ns",
           have ? static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec : 0},
          {"url", o.url},
          {"tenant", o.tenant},
          {"time_shift", TimeShiftText(o.time_shift)},
          {"drop_labels", o.drop_labels},
          {"skip_outside_retention", o.skip_outside_retention},
          {"retention", o.retention},
          {"batch_bytes", o.batch_bytes},
          {"max_line_bytes", o.max_line_bytes}};
}

bool DirWritable(const fs::path& dir) {
  return ::access(dir.empty() ? "." : dir.c_str(), W_OK) == 0;
}

}  // namespace

ResumeJournal::ResumeJournal(std::string path, const std::string& bundle,
                             const ImportOptions& options)
    : path_(std::move(path)), identity_(Identity(bundle, options)) {}

std::string ResumeJournal::DefaultPath(const std::string& bundle) {
  const fs::path p(bundle);
  if (DirWritable(p.parent_path())) return bundle + ".vmimport-resume.json";
  fs::path state;
  if (const char* x = std::getenv("XDG_STATE_HOME"); x != nullptr && *x != '\0') {
    state = x;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    state = fs::path(home) / ".local" / "state";
  } else {
    state = fs::temp_directory_path();
  }
  std::error_code ec;
  const std::string abs = fs::absolute(p, ec).string();
  return (state / "vmimport" /
          fmt::format("{}-{:016x}.resume.json", p.filename().string(),
                      std::hash<std::string>{}(abs)))
      .string();
}

bool ResumeJournal::Exists() const {
  std::error_code ec;
  return fs::exists(path_, ec);
}

Result<ResumeState> ResumeJournal::Load() const {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot open the resume journal {}", path_));
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("identity") || !j.contains("state")) {
    return Status::InvalidArgument(fmt::format("{} is not a vmimport resume journal", path_));
  }
  for (const auto& [key, want] : identity_.items()) {
    const nlohmann::json& have = j["identity"].value(key, nlohmann::json());
    if (have != want) {
      return Status::InvalidArgument(
          fmt::format("the resume journal {} belongs to another import: {} was {}, now {}", path_,
                      key, have.dump(), want.dump()),
          "resume with the same bundle and flags as the interrupted import, or delete the journal "
          "to start over");
    }
  }
  Result<ResumeState> state = ResumeState::FromJson(j["state"]);
  if (!state.ok())
    return state.status().Wrap(fmt::format("cannot read the resume journal {}", path_));
  return state;
}

Status ResumeJournal::Save(const ResumeState& state) const {
  const nlohmann::json j = {{"identity", identity_}, {"state", state.ToJson()}};
  const std::string text = j.dump(1) + "\n";
  std::error_code ec;
  const fs::path dir = fs::path(path_).parent_path();
  if (!dir.empty()) fs::create_directories(dir, ec);
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const auto fail = [&](const char* what) {
    const std::string err = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return Status::Storage(fmt::format("cannot {} the resume journal {}: {}", what, tmp, err),
                           "make its directory writable, or give -resume=FILE in a writable place");
  };
  if (fd < 0) return fail("create");
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("sync");
  ::close(fd);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    return Status::Storage(
        fmt::format("cannot rename {} to {}: {}", tmp, path_, std::strerror(errno)));
  }
  return Status::Ok();
}

void ResumeJournal::Remove() const {
  std::error_code ec;
  fs::remove(path_, ec);
}

}  // namespace vmx::importer
