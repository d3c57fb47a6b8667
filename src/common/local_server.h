// LocalServer: the loopback HTTP server both binaries run their UI and REST API on.
//
// It binds 127.0.0.1 on a random free port by default (a busy fixed port falls back to a free
// one), serves the embedded page at "/" and GET /api/health, and shuts down on SIGINT/SIGTERM.
// Register API routes on http() before Start(). Start/Wait/Stop may be called from any thread.
//
// Safety (SPEC.md section 10): every /api/* call except /api/health must carry the per-process
// token (header X-Auth-Token, or the cookie the page gets when opened with ?token=…); requests
// whose Host is not a loopback name get 421 (DNS rebinding); state-changing requests from a
// foreign Origin get 403; bodies over max_body_bytes get 413.
#pragma once

#include <httplib.h>

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <thread>

#include "common/embedded_assets.h"
#include "common/status.h"

namespace vmx {

struct LocalServerOptions {
  std::string app_name;                // "vmexporter" or "vmimport": used in the printed line
  std::string addr = "127.0.0.1:0";    // host:port; ":port" means loopback
  std::span<const EmbeddedAsset> assets;
  size_t max_body_bytes = 1 << 20;     // larger only where uploads need it (vmimport)
  std::string token;                   // empty: a random one is generated
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

  // Blocks until SIGINT/SIGTERM arrives or Stop() is called, then stops the server.
  void WaitForShutdown();
  void Stop();

 private:
  void RegisterBuiltinRoutes();
  // Returns false (and fills `res`) when the request must be refused.
  bool Admit(const httplib::Request& req, httplib::Response& res) const;

  LocalServerOptions options_;
  httplib::Server server_;
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
