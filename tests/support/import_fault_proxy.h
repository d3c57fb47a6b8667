// ImportFaultProxy: an in-process HTTP proxy in front of a real VictoriaMetrics that misbehaves on
// purpose on the import side (FaultProxy covers /api/v1/export), for the faults a real VM cannot
// produce: a connection that breaks after the target stored an import, an overloaded target (503),
// a target whose queries find nothing. Thread-safe; listens on a free loopback port until
// destroyed.
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace vmx::testing {

class ImportFaultProxy {
 public:
  enum class Action { kForward, kForwardThenDrop, kRefuse503 };
  // Decides for the n-th (0-based) non-empty import request; everything else is forwarded.
  using ImportRule = std::function<Action(int n)>;

  ImportFaultProxy(std::string upstream, ImportRule rule);
  ~ImportFaultProxy();
  ImportFaultProxy(const ImportFaultProxy&) = delete;
  ImportFaultProxy& operator=(const ImportFaultProxy&) = delete;

  std::string url() const;
  // Non-empty import requests seen so far.
  int imports() const { return imports_.load(); }
  // Query requests (/api/v1/query) seen so far.
  int queries() const { return queries_.load(); }
  // While true, every query answers an empty result (the samples never seem to arrive).
  void set_queries_answer_empty(bool v) { queries_empty_.store(v); }
  // While true, queries answer 404 as a raw vminsert does.
  void set_queries_refused(bool v) { queries_refused_.store(v); }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);

  std::string upstream_;
  ImportRule rule_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> imports_{0};
  std::atomic<int> queries_{0};
  std::atomic<bool> queries_empty_{false};
  std::atomic<bool> queries_refused_{false};
};

}  // namespace vmx::testing
