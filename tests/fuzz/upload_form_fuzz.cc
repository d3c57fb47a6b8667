// libFuzzer target for vmimport's multipart upload (POST /api/upload): the same code path as
// the importer's API (CheckUploadRequest + ReceiveUpload behind cpp-httplib's multipart parser)
// on an in-process server on 127.0.0.1, fed arbitrary bodies. Every body must get an answer (no
// crash, no hang), the stored bundle must match what ReceiveUpload reports and stay under the
// upload limit, a config must be a JSON object, and every refusal must be a Status with a message.
//
// Input: "<boundary>\n<body>". cpp-httplib itself is the system's shared library, so coverage
// guidance reaches only our side of the parser; the bodies still go through its parser.
//
//   make fuzz FUZZ_SECONDS=60
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "importer/upload_form.h"

namespace {

constexpr uint64_t kMaxUpload = 64 << 10;

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "upload_form_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

struct Harness {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::string bundle_path;
  std::unique_ptr<httplib::Client> client;

  Harness() {
    bundle_path = "/dev/shm/upload_form_fuzz." + std::to_string(getpid());
    server.Post("/api/upload", [this](const httplib::Request& req, httplib::Response& res,
                                      const httplib::ContentReader& reader) {
      vmx::Status s = vmx::importer::CheckUploadRequest(req, kMaxUpload);
      if (!s.ok()) return Refuse(s, res);
      vmx::Result<vmx::importer::UploadForm> form =
          vmx::importer::ReceiveUpload(reader, bundle_path, kMaxUpload);
      if (!form.ok()) return Refuse(form.status(), res);
      struct stat st {};
      if (stat(bundle_path.c_str(), &st) != 0) Fail("no bundle file after an accepted upload", "");
      if (static_cast<uint64_t>(st.st_size) != form->bundle_bytes) {
        Fail("bundle file size differs from bundle_bytes", std::to_string(st.st_size));
      }
      if (form->bundle_bytes > kMaxUpload) Fail("bundle over the limit accepted", "");
      if (!form->config.is_object()) Fail("config is not an object", form->config.dump());
      res.set_content("ok", "text/plain");
    });
    // Without these every request waits for a delayed ACK (~40 ms) and a new connection.
    server.set_tcp_nodelay(true);
    server.set_keep_alive_max_count(1 << 30);
    port = server.bind_to_any_port("127.0.0.1");
    if (port <= 0) Fail("cannot bind 127.0.0.1", "");
    thread = std::thread([this] { server.listen_after_bind(); });
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    client->set_read_timeout(10, 0);
    client->set_connection_timeout(5, 0);
  }
  ~Harness() {
    server.stop();
    thread.join();
    unlink(bundle_path.c_str());
  }

  static void Refuse(const vmx::Status& s, httplib::Response& res) {
    if (s.ok() || s.message().empty()) Fail("a refusal without a message", s.message());
    res.status = s.http_status();
    // The rest of a refused body is still in the socket; it must not be read as a next request.
    res.set_header("Connection", "close");
    res.set_content(s.message(), "text/plain");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness* harness = new Harness();  // lives for the whole run; the thread keeps serving
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  if (nl == std::string_view::npos || nl > 100) return 0;
  const std::string boundary(input.substr(0, nl));
  const std::string body(input.substr(nl + 1));
  // Header values cannot carry line breaks; the client would refuse to send them.
  if (boundary.find_first_of("\r\n") != std::string::npos) return 0;
  httplib::Result r = harness->client->Post("/api/upload", body,
                                            "multipart/form-data; boundary=" + boundary);
  if (!r) Fail("no answer", httplib::to_string(r.error()));
  if (r->status != 200 && r->body.empty()) Fail("a refusal without a message", std::to_string(r->status));
  return 0;
}
