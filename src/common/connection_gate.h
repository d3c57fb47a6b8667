// ConnectionGate: reads every request head of the local servers in one event loop, with hard
// limits, before a worker thread sees the request.
//
// A connection holds no worker while its head arrives or while it idles between keep-alive
// requests, so slow or idle clients (slowloris) cannot starve the others. Heads are bounded in
// size (request line, whole head) and in time (a total deadline per head, a short keep-alive idle
// time); the number of open connections is capped, the oldest waiting one giving way to a new
// one. A complete head is judged by the Admit callback: a refused request is answered by the gate
// and the connection closed without reading its body; an admitted one is handed with its body
// limit to a worker that calls Serve. Thread-safe: Add and Stop may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/request_head.h"
#include "common/request_stream.h"
#include "common/status.h"

namespace httplib {
class ThreadPool;
}

namespace vmx {

class ConnectionGate {
 public:
  struct Options {
    RequestHeadLimits head;
    std::chrono::milliseconds head_timeout{10000};  // to receive one whole head
    std::chrono::milliseconds idle_timeout{5000};   // keep-alive wait for the next request
    size_t max_connections = 512;                   // open at once, waiting or being served
    size_t workers = 32;                            // requests served at once
    RequestStream::Timeouts io;
  };

  // The decision on one complete head: admit with a body limit, or refuse with an HTTP status
  // and the error to answer with.
  struct Verdict {
    int refuse_status = 0;  // 0: admitted
    Status error;
    uint64_t max_body_bytes = 0;
  };
  using AdmitFn = std::function<Verdict(const RequestHead&)>;
  // Serves one admitted request; returns false when the connection must not be reused.
  using ServeFn = std::function<bool(RequestStream&)>;

  ConnectionGate(Options options, AdmitFn admit, ServeFn serve);
  ~ConnectionGate();
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  // Starts the event loop and the workers.
  Status Start();
  // Takes ownership of an accepted connection.
  void Add(int fd);
  // Closes every connection and joins all threads; requests being served see their socket shut.
  // Safe to call more than once and from several threads (a signal watcher and main).
  void Stop();

 private:
  struct Connection;

  void StopOnce();
  void Loop();
  void Intake();
  void Watch(std::unique_ptr<Connection> c);
  void OnReadable(int fd);
  // Scans what `c` has buffered; returns true if it left the waiting set (served or closed).
  bool Advance(Connection& c);
  void Refuse(Connection& c, int http_status, const Status& error);
  void Dispatch(Connection& c, size_t head_size, const RequestHead& head, RequestBody body);
  void Close(int fd);
  void SweepDeadlines();
  void EvictOldest();
  void Wake();

  Options options_;
  AdmitFn admit_;
  ServeFn serve_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::thread loop_;
  std::unique_ptr<httplib::ThreadPool> workers_;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::once_flag stop_once_;

  // Owned by the loop thread.
  std::unordered_map<int, std::unique_ptr<Connection>> waiting_;

  std::mutex mu_;  // guards the three below
  std::vector<int> accepted_;
  std::vector<std::unique_ptr<Connection>> returned_;
  std::unordered_set<int> serving_;
};

}  // namespace vmx
