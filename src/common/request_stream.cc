#include "common/request_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vmx {
namespace {

bool WaitFor(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

void AddressOf(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  const int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                      : getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (rc != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
    port = ntohs(a->sin6_port);
  }
  ip = text;
}

// Chunk-size lines and trailers on top of the data itself.
constexpr uint64_t kChunkFramingAllowance = 64 << 10;

}  // namespace

RequestStream::RequestStream(int fd, std::string buffered, size_t head_size, RequestBody body,
                             Timeouts timeouts)
    : fd_(fd), buf_(std::move(buffered)), head_size_(head_size), body_(body), timeouts_(timeouts) {}

bool RequestStream::is_readable() const {
  return pos_ < buf_.size() || WaitFor(fd_, POLLIN, timeouts_.read);
}

bool RequestStream::is_writable() const { return WaitFor(fd_, POLLOUT, timeouts_.write); }

ssize_t RequestStream::read(char* ptr, size_t size) {
  if (pos_ < head_size_) {
    const size_t n = std::min(size, head_size_ - pos_);
    std::memcpy(ptr, buf_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  uint64_t allowed = 0;
  switch (body_.framing) {
    case RequestBody::Framing::kNone:
      return 0;
    case RequestBody::Framing::kLength:
      allowed = body_.length - body_read_;
      if (allowed == 0) return 0;
      break;
    case RequestBody::Framing::kChunked:
      if (body_read_ >= body_.limit + kChunkFramingAllowance) return -1;  // over the route's limit
      allowed = body_.limit + kChunkFramingAllowance - body_read_;
      break;
  }
  size = static_cast<size_t>(std::min<uint64_t>(size, allowed));
  ssize_t n = 0;
  if (pos_ < buf_.size()) {
    n = static_cast<ssize_t>(std::min(size, buf_.size() - pos_));
    std::memcpy(ptr, buf_.data() + pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
  } else {
    n = ReadSocket(ptr, size);
  }
  if (n > 0) body_read_ += static_cast<uint64_t>(n);
  return n;
}

ssize_t RequestStream::ReadSocket(char* ptr, size_t size) {
  for (;;) {
    const ssize_t n = ::recv(fd_, ptr, size, 0);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (!WaitFor(fd_, POLLIN, timeouts_.read)) return -1;
  }
}

ssize_t RequestStream::write(const char* ptr, size_t size) {
  for (;;) {
    const ssize_t n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (!WaitFor(fd_, POLLOUT, timeouts_.write)) return -1;
  }
}

void RequestStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  AddressOf(fd_, true, ip, port);
}

void RequestStream::get_local_ip_and_port(std::string& ip, int& port) const {
  AddressOf(fd_, false, ip, port);
}

bool RequestStream::body_complete() const {
  switch (body_.framing) {
    case RequestBody::Framing::kNone:
      return true;
    case RequestBody::Framing::kLength:
      return body_read_ == body_.length;
    case RequestBody::Framing::kChunked:
      return false;
  }
  return false;
}

std::string RequestStream::TakeRest() {
  std::string rest = pos_ < buf_.size() ? buf_.substr(pos_) : std::string();
  buf_.clear();
  pos_ = 0;
  return rest;
}

}  // namespace vmx
