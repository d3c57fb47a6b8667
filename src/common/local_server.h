// LocalServer: the loopback HTTP server both binaries run their UI and REST API on.
//
// It binds 127.0.0.1 on a random free port by default (a busy fixed port falls back to a free
// one), serves the embedded page at "/" and GET /api/health, and shuts down on SIGINT/SIGTERM.
// Register API routes on http() before Start(). Start/Wait/Stop may be called from any thread.
//
// Safety (SPEC.md section 10): every request head is read by a ConnectionGate with hard bounds
// (request line 8 KiB, head 64 KiB, a total deadline per head, a short keep-alive idle time, a cap
// on open connections) and judged before any body byte is read: every /api/* call except
// /api/health must carry the per-process token (header X-Auth-Token, or the cookie the page gets
// when opened with ?token=…; its name carries the binary and port so two servers on one host do
// not overwrite each other's); requests whose Host is not a loopback name get 421 (DNS
// rebinding); state-changing requests from a foreign Origin get 403; a body over its route's
// limit gets 413 (1 MiB on /api/*, none on the page, uploads only on the routes named in
// streamed_body_routes). Refused requests are answered and their connection closed unread.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/connection_gate.h"
#include "common/embedded_assets.h"
#include "common/gated_http_server.h"
#include "common/status.h"

namespace vmx {

struct LocalServerOptions {
  std::string app_name;                // "vmexporter" or "vmimport": used in the printed line
  std::string addr = "127.0.0.1:0";    // host:port; ":port" means loopback
  std::span<const EmbeddedAsset> assets;
  // The session cookie is "<cookie_prefix>_<port>", e.g. "vmx_exporter_41234".
  std::string cookie_prefix = "vmx";
  uint64_t max_json_body_bytes = 1 << 20;  // every /api/* route not listed below
  // Routes whose handlers stream their body (uploads), each with its own limit.
  std::vector<std::pair<std::string, uint64_t>> streamed_body_routes;
  std::string token;                   // empty: a random one is generated
  ConnectionGate::Options gate;        // request head bounds, deadlines, connection cap
};

class LocalServer {
 public:
  explicit LocalServer(LocalServerOptions options);
  ~LocalServer();
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  // The underlying server, to add API routes before Start().
  httplib::Server& http() { return server_; }

  // Binds and starts serving in a background thread. Blocks SIGINT/SIGTERM in the calling
  // thread first, so call it from main before other threads exist.
  Status Start();

  // The base URL, e.g. "http://127.0.0.1:39211/". Valid after Start().
  std::string url() const;
  // The URL to open: url() plus "?token=…".
  std::string url_with_token() const { return url() + "?token=" + options_.token; }
  const std::string& token() const { return options_.token; }
  int port() const { return port_; }
  // The name of the session cookie, valid after Start().
  std::string cookie_name() const;

  // Blocks until SIGINT/SIGTERM arrives or Stop() is called, then stops the server.
  void WaitForShutdown();
  void Stop();

 private:
  void RegisterBuiltinRoutes();
  // Decides on a request from its head alone, before any of its body is read.
  ConnectionGate::Verdict Admit(const RequestHead& head) const;

  LocalServerOptions options_;
  GatedHttpServer server_;
  std::unique_ptr<ConnectionGate> gate_;
  std::string host_;
  int port_ = 0;
  std::thread listener_;
  std::atomic<bool> stop_requested_{false};
};

// Splits "host:port", ":port", "[::1]:port" into parts; the host defaults to 127.0.0.1.
Status ParseListenAddr(const std::string& addr, std::string* host, int* port);

// A random 32-byte secret, hex-encoded.
std::string RandomToken();

// Opens `url` in the user's browser with xdg-open, without waiting; failures are ignored.
void OpenInBrowser(const std::string& url);

}  // namespace vmx
