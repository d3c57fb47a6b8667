#include "common/local_server.h"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <thread>

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

std::string RandomToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) std::abort();  // no entropy: refuse to run unsafely
  std::string hex;
  for (unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

namespace {

// Compares secrets without leaking their length of common prefix through timing.
bool SecretEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string CookieValue(const RequestHead& head, std::string_view name) {
  for (const auto& [field, cookies] : head.headers) {
    if (field.size() != 6 || strncasecmp(field.c_str(), "Cookie", 6) != 0) continue;
    size_t pos = 0;
    while (pos < cookies.size()) {
      size_t end = cookies.find(';', pos);
      if (end == std::string::npos) end = cookies.size();
      std::string_view part(cookies.data() + pos, end - pos);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      if (part.size() > name.size() && part.substr(0, name.size()) == name &&
          part[name.size()] == '=') {
        return std::string(part.substr(name.size() + 1));
      }
      pos = end + 1;
    }
  }
  return "";
}

std::string FieldOr(const RequestHead& head, std::string_view name) {
  const std::string* v = head.Find(name);
  return v == nullptr ? std::string() : *v;
}

// "127.0.0.1:8080" -> "127.0.0.1", "[::1]:80" -> "::1", "localhost" -> "localhost".
std::string HostWithoutPort(const std::string& host) {
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    return close == std::string::npos ? host : host.substr(1, close - 1);
  }
  const size_t colon = host.rfind(':');
  return colon == std::string::npos ? host : host.substr(0, colon);
}

bool IsLoopbackName(const std::string& h) {
  return h == "127.0.0.1" || h == "localhost" || h == "::1";
}

}  // namespace

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

LocalServer::LocalServer(LocalServerOptions options) : options_(std::move(options)) {
  if (options_.token.empty()) options_.token = RandomToken();
}

std::string LocalServer::cookie_name() const {
  return fmt::format("{}_{}", options_.cookie_prefix, port_);
}

ConnectionGate::Verdict LocalServer::Admit(const RequestHead& req) const {
  ConnectionGate::Verdict v;
  const std::string host = HostWithoutPort(FieldOr(req, "Host"));
  if (!IsLoopbackName(host) && host != host_) {
    v.refuse_status = 421;  // Misdirected Request: this server does not serve that name
    v.error = Status(StatusCode::kPermissionDenied,
                     fmt::format("requests for host {:?} are refused", host),
                     "open the exact URL the program printed (127.0.0.1 or localhost)");
    return v;
  }
  const bool is_api = req.path.rfind("/api/", 0) == 0;
  const std::string* origin_field = req.Find("Origin");
  if (req.method != "GET" && req.method != "HEAD" && req.method != "OPTIONS" &&
      origin_field != nullptr) {
    const std::string& origin = *origin_field;
    const std::string own = url().substr(0, url().size() - 1);  // without the trailing slash
    const std::string origin_host = HostWithoutPort(origin.substr(origin.find("://") == std::string::npos ? 0 : origin.find("://") + 3));
    const bool same = origin == own || (origin.rfind("http://", 0) == 0 && IsLoopbackName(origin_host) &&
                                        origin.ends_with(":" + std::to_string(port_)));
    if (!same) {
      v.refuse_status = 403;
      v.error = Status(StatusCode::kPermissionDenied,
                       fmt::format("cross-site request from {:?} refused", origin));
      return v;
    }
  }
  if (is_api && req.path != "/api/health") {
    const bool ok = SecretEquals(FieldOr(req, "X-Auth-Token"), options_.token) ||
                    SecretEquals(CookieValue(req, cookie_name()), options_.token);
    if (!ok) {
      v.refuse_status = 401;
      v.error = Status::Unauthenticated(
          "this API needs the session token",
          "open the URL printed at start-up (it ends with ?token=…); API clients "
          "send it as the X-Auth-Token header");
      return v;
    }
  }
  // The page and /api/health take no body; API routes take JSON up to a small limit; only the
  // upload routes stream more.
  v.max_body_bytes = is_api && req.path != "/api/health" ? options_.max_json_body_bytes : 0;
  for (const auto& [route, limit] : options_.streamed_body_routes) {
    if (req.path == route) v.max_body_bytes = limit;
  }
  return v;
}

LocalServer::~LocalServer() {
  Stop();
  if (listener_.joinable()) listener_.join();
}

void LocalServer::RegisterBuiltinRoutes() {
  server_.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    // -debug. The path only: a query such as "/?token=…" carries the session secret.
    spdlog::debug("{} {} -> {}", req.method, req.path, res.status);
  });
  // The gate enforced each route's limit on the head already; this is httplib's own backstop.
  uint64_t largest = options_.max_json_body_bytes;
  for (const auto& route : options_.streamed_body_routes) largest = std::max(largest, route.second);
  server_.set_payload_max_length(static_cast<size_t>(largest));
  server_.set_keep_alive_timeout(
      std::chrono::duration_cast<std::chrono::seconds>(options_.gate.idle_timeout).count());
  server_.Get("/api/health", [](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, {{"status", "ok"}, {"version", std::string(Version())}});
  });
  for (const EmbeddedAsset& asset : options_.assets) {
    auto handler = [this, &asset](const httplib::Request& req, httplib::Response& res) {
      // Opening the printed URL hands the browser the token as a cookie, so plain links
      // (downloads) work; the page also sends it as a header.
      if (req.has_param("token") && SecretEquals(req.get_param_value("token"), options_.token)) {
        res.set_header("Set-Cookie", cookie_name() + "=" + options_.token +
                                         "; Path=/; HttpOnly; SameSite=Strict");
      }
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
  server_.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && req.path.rfind("/api/", 0) == 0 && res.body.empty()) {
      ReplyError(res, Status::NotFound(fmt::format("no API endpoint {} {}", req.method, req.path)));
    } else if (res.status == 413 && res.body.empty()) {
      ReplyError(res,
                 Status::TooLarge(fmt::format("request body of {} is over its limit", req.path)));
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
  // SO_REUSEADDR, not httplib's default SO_REUSEPORT: with REUSEPORT a second instance on the
  // same -addr binds too and the kernel splits connections between two servers with different
  // tokens. The descriptor is kept to widen the listen backlog below.
  int listen_fd = -1;
  server_.set_socket_options([&listen_fd](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd = sock;
  });
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
  // httplib listens with a backlog of 5: a burst of connections (a page with many status
  // polls) overflows it, the kernel drops SYNs and clients wait 1 s, 3 s, 7 s for retransmits.
  // listen() again on a listening socket only changes the backlog.
  if (listen_fd >= 0) ::listen(listen_fd, SOMAXCONN);
  gate_ = std::make_unique<ConnectionGate>(
      options_.gate, [this](const RequestHead& head) { return Admit(head); },
      [this](RequestStream& stream) { return server_.ServeOne(stream); });
  if (Status g = gate_->Start(); !g.ok()) return g;
  server_.AttachGate(gate_.get());
  listener_ = std::thread([this] { server_.listen_after_bind(); });
  // httplib's stop() only closes the socket of a server already running: a stop (a SIGTERM right
  // after the URL is printed) before the listener thread got there would leave it in accept()
  // for good, and the process hanging at exit.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server_.is_running()) {
    return Status::Internal("the HTTP listener did not start within 30 s");
  }
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
  if (gate_) gate_->Stop();
}

}  // namespace vmx
