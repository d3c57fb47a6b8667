#include "support/import_fault_proxy.h"

#include <fmt/format.h>

#include <chrono>

#include "support/http_forward.h"

namespace vmx::testing {

ImportFaultProxy::ImportFaultProxy(std::string upstream, ImportRule rule)
    : upstream_(std::move(upstream)), rule_(std::move(rule)) {
  server_.Post(".*",
               [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  server_.Get(".*",
              [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

ImportFaultProxy::~ImportFaultProxy() {
  server_.stop();
  thread_.join();
}

std::string ImportFaultProxy::url() const { return fmt::format("http://127.0.0.1:{}", port_); }

void ImportFaultProxy::Handle(const httplib::Request& req, httplib::Response& res) {
  Action action = Action::kForward;
  if (req.path.find("/api/v1/import") != std::string::npos && !req.body.empty())
    action = rule_(imports_.fetch_add(1));
  if (req.path.find("/api/v1/query") != std::string::npos) {
    queries_.fetch_add(1);
    if (queries_refused_.load()) {
      res.status = 404;
      res.set_content("unsupported path requested (fault proxy: a raw vminsert)", "text/plain");
      return;
    }
    if (queries_empty_.load()) {
      res.set_content(R"({"status":"success","data":{"resultType":"vector","result":[]}})",
                      "application/json");
      return;
    }
  }
  if (action == Action::kRefuse503) {
    res.status = 503;
    res.set_content("overloaded (fault proxy)", "text/plain");
    return;
  }
  httplib::Result r = ForwardRequest(upstream_, req);
  if (!r) {
    res.status = 502;
    return;
  }
  if (action == Action::kForwardThenDrop) {
    // The target stored the batch; its answer never arrives: the connection breaks mid-way.
    res.set_chunked_content_provider("text/plain",
                                     [](size_t, httplib::DataSink&) { return false; });
    return;
  }
  res.status = r->status;
  res.set_content(r->body, r->get_header_value("Content-Type"));
}

}  // namespace vmx::testing
