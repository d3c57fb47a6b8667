#include "support/fault_proxy.h"

#include <chrono>
#include <memory>

namespace vmx::testing {
namespace {

// Takes one from a positive counter; false when it is already 0 (or below).
bool TakeOne(std::atomic<int>& counter) {
  int n = counter.load();
  while (n > 0 && !counter.compare_exchange_weak(n, n - 1)) {
  }
  return n > 0;
}

}  // namespace

httplib::Result ForwardRequest(int upstream_port, const httplib::Request& req) {
  httplib::Client upstream("127.0.0.1", upstream_port);
  upstream.set_read_timeout(60);
  std::string path = req.path;
  if (!req.params.empty()) path += "?" + httplib::detail::params_to_query_str(req.params);
  return req.method == "POST" ? upstream.Post(path, req.body, req.get_header_value("Content-Type"))
                              : upstream.Get(path);
}

FaultProxy::FaultProxy(int upstream_port) : upstream_port_(upstream_port) {
  server_.Post(R"(/.*)",
               [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  server_.Get(R"(/.*)",
              [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

FaultProxy::~FaultProxy() {
  OpenGate();
  server_.stop();
  thread_.join();
}

void FaultProxy::CloseGateAfter(int n) {
  std::lock_guard<std::mutex> lock(gate_mu_);
  gate_after_ = n;
  gate_cv_.notify_all();
}

void FaultProxy::OpenGate() {
  std::lock_guard<std::mutex> lock(gate_mu_);
  gate_after_ = -1;
  gate_cv_.notify_all();
}

int FaultProxy::held() {
  std::lock_guard<std::mutex> lock(gate_mu_);
  return held_;
}

bool FaultProxy::WaitUntilHeld(int n, int timeout_ms) {
  std::unique_lock<std::mutex> lock(gate_mu_);
  return gate_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return held_ >= n; });
}

void FaultProxy::PassGate(int number) {
  std::unique_lock<std::mutex> lock(gate_mu_);
  const auto open = [&] { return gate_after_ < 0 || number <= gate_after_; };
  if (open()) return;
  ++held_;
  gate_cv_.notify_all();
  gate_cv_.wait(lock, open);
  --held_;
}

void FaultProxy::Handle(const httplib::Request& req, httplib::Response& res) {
  const bool is_export = req.path.find("/api/v1/export") != std::string::npos;
  if (is_export) {
    PassGate(++export_requests);
    if (no_export_route) {
      res.status = 404;
      res.set_content("missing route for \"/api/v1/export\"", "text/plain");
      return;
    }
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
    if ((answer_503_after >= 0 && export_requests > answer_503_after) || TakeOne(answer_503)) {
      res.status = 503;
      res.set_content("service unavailable: storage nodes are restarting", "text/plain");
      return;
    }
    if (TakeOne(answer_429)) {
      res.status = 429;
      res.set_content("too many requests, slow down", "text/plain");
      return;
    }
  }
  httplib::Result r = ForwardRequest(upstream_port_, req);
  if (!r) {
    ++upstream_failures;
    res.status = 502;
    res.set_content("upstream unreachable", "text/plain");
    return;
  }
  if (is_export && r->body.size() > 1000 && TakeOne(reset_midstream)) {
    auto body = std::make_shared<std::string>(r->body.substr(0, r->body.size() / 2));
    res.set_chunked_content_provider(
        "application/stream+json", [body](size_t, httplib::DataSink& sink) {
          sink.write(body->data(), body->size());
          return false;  // drop the connection without finishing the chunked body
        });
    return;
  }
  res.status = r->status;
  res.set_content(r->body, r->get_header_value("Content-Type"));
}

}  // namespace vmx::testing
