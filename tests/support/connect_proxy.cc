#include "support/connect_proxy.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace vmx::testing {
namespace {

// A TCP connection to host:port, or -1.
int Dial(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Copies bytes both ways until either side closes.
void Splice(int a, int b) {
  char buf[16384];
  pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
  while (poll(fds, 2, -1) > 0) {
    for (int i = 0; i < 2; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = recv(fds[i].fd, buf, sizeof(buf), 0);
      if (n <= 0 || !SendAll(fds[1 - i].fd, std::string(buf, static_cast<size_t>(n)))) return;
    }
  }
}

}  // namespace

ConnectProxy::ConnectProxy() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(listen_fd_, 64);
  socklen_t len = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

ConnectProxy::~ConnectProxy() {
  stopping_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  close(listen_fd_);
  std::vector<std::thread> tunnels;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
    tunnels.swap(tunnels_);
  }
  for (auto& t : tunnels) t.join();
  for (int fd : open_fds_) close(fd);
}

std::vector<std::string> ConnectProxy::targets() {
  std::lock_guard<std::mutex> lock(mu_);
  return targets_;
}

void ConnectProxy::AcceptLoop() {
  while (!stopping_) {
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.push_back(client);
    tunnels_.emplace_back([this, client] { Tunnel(client); });
  }
}

void ConnectProxy::Tunnel(int client) {
  std::string head;
  char c;
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192 &&
         recv(client, &c, 1, 0) == 1) {
    head += c;
  }
  // "CONNECT host:port HTTP/1.1"
  const size_t sp1 = head.find(' ');
  const size_t sp2 = head.find(' ', sp1 + 1);
  const std::string target = sp1 == std::string::npos || sp2 == std::string::npos
                                 ? ""
                                 : head.substr(sp1 + 1, sp2 - sp1 - 1);
  const size_t colon = target.rfind(':');
  if (head.rfind("CONNECT ", 0) != 0 || colon == std::string::npos) {
    SendAll(client,
            "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    targets_.push_back(target);
  }
  const int upstream = Dial(target.substr(0, colon), target.substr(colon + 1));
  if (upstream < 0) {
    SendAll(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.push_back(upstream);
  }
  if (SendAll(client, "HTTP/1.1 200 Connection established\r\n\r\n")) Splice(client, upstream);
  shutdown(client, SHUT_RDWR);
  shutdown(upstream, SHUT_RDWR);
}

}  // namespace vmx::testing
