// RawConnection: a plain TCP client for tests that play an attacker: it sends exactly the bytes a
// test chooses (a request line without end, a body larger than announced, one header line at a
// time) and reads whatever comes back.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace vmx::testing {

class RawConnection {
 public:
  // Connects to 127.0.0.1:`port`; connected() says whether that worked.
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(RawConnection&& other) noexcept;
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends all of `data`; false once the server closed or reset the connection.
  bool Send(std::string_view data);
  // Sends `total` bytes of `fill` in large writes; returns how many were accepted before the
  // server closed or reset the connection (== total when it never did).
  uint64_t SendFilled(uint64_t total, char fill);
  // Reads until the server closes the connection or `timeout` passes; returns what arrived.
  std::string ReadUntilClosed(std::chrono::milliseconds timeout);
  // True when the server has closed the connection (reads end) within `timeout`.
  bool ClosedWithin(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

// VmRSS of a process in KiB (0 when unreadable).
long RssKb(pid_t pid);

// The port of a base URL such as "http://127.0.0.1:41234".
int PortOf(const std::string& base_url);

// "HTTP/1.1 413 Payload Too Large\r\n..." -> 413; 0 when `answer` is no HTTP response.
int StatusOf(const std::string& answer);

}  // namespace vmx::testing
