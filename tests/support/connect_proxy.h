// ConnectProxy: a tiny HTTP CONNECT proxy on 127.0.0.1 for tests of HTTPS_PROXY / NO_PROXY. It
// tunnels every CONNECT to its target and records the targets; other requests get 405.
// Thread-safe: targets() may be read while tunnels run.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vmx::testing {

class ConnectProxy {
 public:
  ConnectProxy();
  ~ConnectProxy();  // stops accepting, closes every tunnel and waits for their threads
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // host:port of every CONNECT so far, in order.
  std::vector<std::string> targets();

 private:
  void AcceptLoop();
  void Tunnel(int client);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::string> targets_;
  std::vector<std::thread> tunnels_;
  std::vector<int> open_fds_;
};

}  // namespace vmx::testing
