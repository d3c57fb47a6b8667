// RequestStream: the httplib::Stream one admitted request is served through.
//
// ConnectionGate has already read the request head (and perhaps the start of the body) into a
// buffer; this stream replays those bytes, then reads the rest of the body from the socket, never
// past the body's declared length or its route's limit. Not thread-safe: one worker uses it.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace vmx {

// How the request's body is delimited, and the most the route accepts.
struct RequestBody {
  enum class Framing { kNone, kLength, kChunked };
  Framing framing = Framing::kNone;
  uint64_t length = 0;  // for kLength
  uint64_t limit = 0;   // for kChunked: bytes on the wire, chunk sizes included
};

class RequestStream : public httplib::Stream {
 public:
  struct Timeouts {
    std::chrono::milliseconds read{30000};    // per read: a stalled upload frees its worker
    std::chrono::milliseconds write{300000};  // per write: large downloads are never cut off
  };

  // `buffered` starts with the request head (`head_size` bytes); `fd` is non-blocking.
  RequestStream(int fd, std::string buffered, size_t head_size, RequestBody body,
                Timeouts timeouts);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

  // True when the whole body was read (a request without one: always). A chunked body is never
  // known to be complete here, so its connection is not reused.
  bool body_complete() const;
  // Asks the gate to close the connection after this request instead of keeping it alive.
  void CloseAfterRequest() { close_after_ = true; }
  bool close_after_request() const { return close_after_; }
  // Bytes received after this request's body (the start of a pipelined next request).
  std::string TakeRest();

 private:
  ssize_t ReadSocket(char* ptr, size_t size);

  int fd_;
  std::string buf_;
  size_t pos_ = 0;
  size_t head_size_;
  RequestBody body_;
  uint64_t body_read_ = 0;
  Timeouts timeouts_;
  bool close_after_ = false;
};

}  // namespace vmx
