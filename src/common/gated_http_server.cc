#include "common/gated_http_server.h"

#include <unistd.h>

namespace vmx {
namespace {

// Runs each task at once on the accepting thread: the task only hands the socket to the gate.
class InlineTaskQueue : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

thread_local RequestStream* serving_now = nullptr;

// httplib compresses every text and JSON answer for a client that accepts it, brotli first and at
// quality 11: ~20 ms of CPU per 50 KB answer, 1.6 s of the machine's 2 cores for the ~90 queries
// of one overview page. The local servers only answer loopback names, where compressing costs CPU
// on both ends and saves nothing (as in url_host.h), so they answer plain.
void AnswerUncompressed(httplib::Request& req) { req.headers.erase("Accept-Encoding"); }

}  // namespace

GatedHttpServer::GatedHttpServer() {
  new_task_queue = [] { return new InlineTaskQueue; };
  // Called with the response before it is written: a body left unread (a handler refused it
  // part-way) must not be read as the next request, and a handler's "Connection: close" is
  // honoured (httplib 0.11 itself only looks at the request's).
  set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    RequestStream* stream = serving_now;
    if (stream == nullptr) return;
    if (res.get_header_value("Connection") == "close" || !stream->body_complete()) {
      stream->CloseAfterRequest();
      if (!res.has_header("Connection")) res.set_header("Connection", "close");
    }
  });
}

bool GatedHttpServer::ServeOne(RequestStream& stream) {
  serving_now = &stream;
  bool closed = false;
  const bool ok = process_request(stream, /*close_connection=*/false, closed, AnswerUncompressed);
  serving_now = nullptr;
  return ok && !closed;
}

bool GatedHttpServer::process_and_close_socket(socket_t sock) {
  if (gate_ == nullptr) {
    ::close(sock);
    return false;
  }
  gate_->Add(sock);
  return true;
}

}  // namespace vmx
