#include "server/fs_api.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/api_response.h"
#include "domain/json_fields.h"

namespace fs = std::filesystem;

namespace vmx {
namespace {

// Enough for any directory a person picks from; a larger one is cut and says so.
constexpr size_t kMaxListedDirs = 5000;

Status Denied(std::string message) { return {StatusCode::kPermissionDenied, std::move(message)}; }

bool FromLoopback(const httplib::Request& req) {
  return req.remote_addr == "::1" || req.remote_addr.rfind("127.", 0) == 0 ||
         req.remote_addr.rfind("::ffff:127.", 0) == 0;
}

Result<fs::path> AbsolutePath(const std::string& text) {
  std::error_code ec;
  fs::path p = fs::absolute(fs::path(text.empty() ? "/" : text), ec);
  if (ec) return Status::InvalidArgument(fmt::format("invalid path {:?}: {}", text, ec.message()));
  return p.lexically_normal();
}

std::string WithoutTrailingSlash(const fs::path& p) {
  std::string s = p.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// Creates and removes a uniquely named file in `dir`; the error says why that failed.
Status ProbeWrite(const fs::path& dir) {
  std::string name = (dir / ".vmexporter-check-XXXXXX").string();
  const int fd = ::mkstemp(name.data());
  if (fd < 0)
    return Denied(
        fmt::format("cannot write to directory {}: {}", dir.string(), std::strerror(errno)));
  ::close(fd);
  ::unlink(name.c_str());
  return Status::Ok();
}

// True when the nearest existing ancestor of `dir` lets us create a directory in it.
bool CanCreate(const fs::path& dir) {
  std::error_code ec;
  for (fs::path p = dir.parent_path(); !p.empty(); p = p.parent_path()) {
    if (fs::is_directory(p, ec)) return ::access(p.c_str(), W_OK | X_OK) == 0;
    if (p == p.root_path()) break;
  }
  return false;
}

void HandleList(const httplib::Request& req, httplib::Response& res) {
  if (!FromLoopback(req))
    return ReplyError(res, Denied("the directory picker answers only local requests"));
  Result<fs::path> dir = AbsolutePath(req.has_param("path") ? req.get_param_value("path") : "/");
  if (!dir.ok()) return ReplyError(res, dir.status());
  const std::string path = WithoutTrailingSlash(*dir);
  const std::string parent = path == "/" ? "" : WithoutTrailingSlash(dir->parent_path());
  std::error_code ec;
  const fs::file_status st = fs::status(*dir, ec);
  if (!fs::exists(st)) {
    return ReplyJson(res, {{"path", path},
                           {"parent", parent},
                           {"entries", nlohmann::json::array()},
                           {"exists", false}});
  }
  if (!fs::is_directory(st))
    return ReplyError(res, Status::InvalidArgument(fmt::format("{} is not a directory", path)));
  std::vector<std::string> names;
  bool truncated = false;
  for (fs::directory_iterator it(*dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (!it->is_directory(type_ec)) continue;  // files are never listed
    if (names.size() == kMaxListedDirs) {
      truncated = true;
      break;
    }
    names.push_back(it->path().filename().string());
  }
  if (ec) return ReplyError(res, Denied(fmt::format("cannot list {}: {}", path, ec.message())));
  std::sort(names.begin(), names.end());
  nlohmann::json entries = nlohmann::json::array();
  for (const std::string& name : names) {
    const fs::path child = *dir / name;
    entries.push_back({{"name", name},
                       {"path", child.string()},
                       {"writable", ::access(child.c_str(), W_OK) == 0}});
  }
  nlohmann::json out = {{"path", path}, {"parent", parent}, {"entries", entries}, {"exists", true}};
  if (truncated) out["truncated"] = true;
  ReplyJson(res, out);
}

void HandleCheck(const httplib::Request& req, httplib::Response& res) {
  if (!FromLoopback(req))
    return ReplyError(res, Denied("the directory picker answers only local requests"));
  Result<nlohmann::json> body = ParseJsonBody(req);
  if (!body.ok()) return ReplyError(res, body.status());
  std::string text;
  bool ensure = false;
  if (Status s = json_fields::ReadString(*body, "path", "", &text); !s.ok())
    return ReplyError(res, s);
  if (Status s = json_fields::ReadBool(*body, "ensure", "", &ensure); !s.ok())
    return ReplyError(res, s);
  if (text.empty())
    return ReplyError(
        res, Status::InvalidArgument("path is required", "send {\"path\": \"/home/me/exports\"}"));
  Result<fs::path> dir = AbsolutePath(text);
  if (!dir.ok()) return ReplyError(res, dir.status());
  const std::string path = WithoutTrailingSlash(*dir);
  std::error_code ec;
  const fs::file_status st = fs::status(*dir, ec);
  if (fs::exists(st) && !fs::is_directory(st)) {
    return ReplyError(res, Status::InvalidArgument(fmt::format("{} is not a directory", path)));
  }
  const auto answer = [&](bool ok, bool exists, bool can_create, const std::string& message) {
    nlohmann::json out = {
        {"ok", ok}, {"abs_path", path}, {"exists", exists}, {"can_create", can_create}};
    if (!message.empty()) out["message"] = message;
    ReplyJson(res, out);
  };
  if (!fs::exists(st)) {
    if (!ensure) return answer(false, false, CanCreate(*dir), "Directory does not exist");
    if (fs::create_directories(*dir, ec); ec) {
      return answer(false, false, false,
                    fmt::format("cannot create directory {}: {}", path, ec.message()));
    }
  }
  if (Status s = ProbeWrite(*dir); !s.ok()) return answer(false, true, false, s.message());
  answer(true, true, true, "");
}

}  // namespace

void RegisterFsApi(httplib::Server& server) {
  server.Get("/api/fs/list", HandleList);
  server.Post("/api/fs/check", HandleCheck);
}

}  // namespace vmx
