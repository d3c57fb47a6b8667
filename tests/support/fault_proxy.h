// FaultProxy: an in-process HTTP proxy in front of a real VictoriaMetrics that injects, into
// /api/v1/export only, the faults a real VM cannot be made to produce on cue (429, 503, a stream
// broken off midway, a missing route) and a gate that holds export requests until the test opens
// it, so a test can act "mid-export" at a known point instead of after a guessed sleep.
// Thread-safe: the knobs are atomics read by the proxy's handler threads.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace vmx::testing {

// Sends `req` on to 127.0.0.1:upstream_port as it came (method, path, query, body); the
// upstream's answer, or an error Result when it did not answer.
httplib::Result ForwardRequest(int upstream_port, const httplib::Request& req);

class FaultProxy {
 public:
  // Forwards to 127.0.0.1:upstream_port (kept across a restart of that VM on the same port).
  explicit FaultProxy(int upstream_port);
  ~FaultProxy();  // opens the gate, then stops
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Export requests after the first `n` (numbered over the proxy's life) wait at the gate until
  // OpenGate() or a CloseGateAfter() with a larger `n`; -1 (the default) lets everything through.
  void CloseGateAfter(int n);
  void OpenGate();
  // Blocks until at least `n` export requests wait at the gate; false after timeout_ms.
  bool WaitUntilHeld(int n, int timeout_ms = 60000);
  // Export requests waiting at the gate now.
  int held();

  std::atomic<int> answer_429{0};         // the next N export requests get 429
  std::atomic<int> answer_503{0};         // the next N export requests get 503
  std::atomic<int> answer_503_after{-1};  // export requests after the first N get 503 (-1: never)
  std::atomic<int> reset_midstream{0};    // the next N export answers break off halfway
  std::atomic<int> delay_ms{0};           // every export request waits this long first
  std::atomic<bool> no_export_route{false};
  std::atomic<int> export_requests{0};
  std::atomic<int> upstream_failures{0};  // requests the upstream did not answer (VM down)

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);
  void PassGate(int number);

  int upstream_port_;
  int port_ = 0;
  httplib::Server server_;
  std::thread thread_;
  std::mutex gate_mu_;
  std::condition_variable gate_cv_;
  int gate_after_ = -1;
  int held_ = 0;
};

}  // namespace vmx::testing
