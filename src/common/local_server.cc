#include "common/local_server.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <charconv>
#include <cstdio>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/api_response.h"
#include "common/version.h"

extern char** environ;

namespace vmx {

Status ParseListenAddr(const std::string& addr, std::string* host, int* port) {
  std::string h;
  std::string p;
  if (!addr.empty() && addr.front() == '[') {
    const size_t close = addr.find(']');
    if (close == std::string::npos || close + 1 >= addr.size() || addr[close + 1] != ':') {
      return Status::InvalidArgument(fmt::format("-addr={:?} is not [ipv6]:port", addr));
    }
    h = addr.substr(1, close - 1);
    p = addr.substr(close + 2);
  } else {
    const size_t colon = addr.rfind(':');
    if (colon == std::string::npos) {
      return Status::InvalidArgument(fmt::format("-addr={:?} has no port; use host:port, e.g. 127.0.0.1:8080", addr));
    }
    h = addr.substr(0, colon);
    p = addr.substr(colon + 1);
  }
  int n = -1;
  const auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
  if (ec != std::errc() || ptr != p.data() + p.size() || n < 0 || n > 65535) {
    return Status::InvalidArgument(fmt::format("-addr={:?}: port must be a number 0..65535", addr));
  }
  *host = h.empty() ? "127.0.0.1" : h;
  *port = n;
  return Status::Ok();
}

void OpenInBrowser(const std::string& url) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::string prog = "xdg-open";
  std::string arg = url;
  char* argv[] = {prog.data(), arg.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, "xdg-open", &actions, nullptr, argv, environ) == 0) {
    std::thread([pid] { waitpid(pid, nullptr, 0); }).detach();
  }
  posix_spawn_file_actions_destroy(&actions);
}

LocalServer::LocalServer(LocalServerOptions options) : options_(std::move(options)) {}

LocalServer::~LocalServer() {
  Stop();
  if (listener_.joinable()) listener_.join();
}

void LocalServer::RegisterBuiltinRoutes() {
  server_.Get("/api/health", [](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, {{"status", "ok"}, {"version", std::string(Version())}});
  });
  for (const EmbeddedAsset& asset : options_.assets) {
    auto handler = [&asset](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                     "script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
      res.set_content(std::string(asset.data), std::string(asset.content_type));
    };
    server_.Get(std::string(asset.path), handler);
    if (asset.path == "/index.html") server_.Get("/", handler);
  }
  server_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && req.path.rfind("/api/", 0) == 0 && res.body.empty()) {
      ReplyError(res, Status::NotFound(fmt::format("no API endpoint {} {}", req.method, req.path)));
    }
  });
}

Status LocalServer::Start() {
  // Termination signals are taken by WaitForShutdown via sigtimedwait; block them before the
  // listener thread starts so it inherits the mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  int port = 0;
  Status s = ParseListenAddr(options_.addr, &host_, &port);
  if (!s.ok()) return s;
  RegisterBuiltinRoutes();
  if (port != 0 && server_.bind_to_port(host_.c_str(), port)) {
    port_ = port;
  } else {
    if (port != 0) {
      spdlog::warn("port {} on {} is busy; using a free port instead", port, host_);
    }
    port_ = server_.bind_to_any_port(host_.c_str());
    if (port_ <= 0) {
      return Status::Unavailable(fmt::format("cannot listen on {}: no free port", host_),
                                 "check -addr; the host must be a local address");
    }
  }
  listener_ = std::thread([this] { server_.listen_after_bind(); });
  return Status::Ok();
}

std::string LocalServer::url() const {
  const bool v6 = host_.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}/", v6 ? "[" : "", host_, v6 ? "]" : "", port_);
}

void LocalServer::WaitForShutdown() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  const timespec tick{0, 200 * 1000 * 1000};
  while (!stop_requested_.load()) {
    const int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) {
      spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
  }
  Stop();
  if (listener_.joinable()) listener_.join();
}

void LocalServer::Stop() {
  stop_requested_.store(true);
  server_.stop();
}

}  // namespace vmx
