#include "support/tls_front.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstdlib>

#include "support/http_forward.h"
#include "support/test_files.h"

namespace vmx::testing {

TlsFront::TlsFront(std::string upstream, const std::string& cert_file, const std::string& key_file,
                   const std::string& client_ca_file)
    : upstream_(std::move(upstream)),
      server_(cert_file.c_str(), key_file.c_str(),
              client_ca_file.empty() ? nullptr : client_ca_file.c_str()) {
  EXPECT_TRUE(server_.is_valid()) << "cannot load " << cert_file << " / " << key_file;
  // A server that verifies clients must name its session context, or OpenSSL refuses every
  // resumed session with an "internal error" alert (libcurl resumes sessions); nginx and
  // other real fronts set it.
  static constexpr unsigned char kSessionContext[] = "vmx-tls-front";
  SSL_CTX_set_session_id_context(server_.ssl_context(), kSessionContext,
                                 sizeof(kSessionContext) - 1);
  const auto forward = [this](const httplib::Request& req, httplib::Response& res) {
    requests_.fetch_add(1);
    httplib::Result r = ForwardRequest(upstream_, req);
    if (!r) {
      res.status = 502;
      return;
    }
    res.status = r->status;
    res.set_content(r->body, r->get_header_value("Content-Type"));
  };
  server_.Get(".*", forward);
  server_.Post(".*", forward);
  port_ = server_.bind_to_any_port("127.0.0.1");
  EXPECT_GT(port_, 0);
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TlsFront::~TlsFront() {
  server_.stop();
  thread_.join();
}

void MakeSelfSignedCertificate(const std::string& dir, const std::string& name) {
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=" + name +
                          " -addext subjectAltName=IP:127.0.0.1 -keyout " +
                          ShellQuote(dir + "/" + name + "-key.pem") + " -out " +
                          ShellQuote(dir + "/" + name + ".pem") + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

}  // namespace vmx::testing
