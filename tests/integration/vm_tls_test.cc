// TLS towards a real VictoriaMetrics serving HTTPS with a self-signed certificate: verification
// failure with its hint, a custom CA file, and skip-verify.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "infrastructure/vm/url_normalizer.h"
#include "infrastructure/vm/vm_client.h"
#include "support/vm_harness.h"

namespace vmx {
namespace {

using testing::TempDir;

class VmTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout " +
        dir_->path() + "/key.pem -out " + dir_->path() + "/cert.pem >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    // The harness's VmSingle waits over plain HTTP, so this HTTPS node is started directly.
    port_ = testing::FreePort();
    vm_ = new testing::ChildProcess(
        {"/usr/bin/victoria-metrics", "-storageDataPath=" + dir_->path() + "/data",
         "-httpListenAddr=127.0.0.1:" + std::to_string(port_), "-loggerLevel=ERROR", "-tls",
         "-tlsCertFile=" + dir_->path() + "/cert.pem", "-tlsKeyFile=" + dir_->path() + "/key.pem"},
        dir_->path() + "/vm.log");
    HttpClientOptions o;
    o.tls_skip_verify = true;
    HttpClient probe(o);
    for (int i = 0; i < 300; ++i) {
      Result<HttpResponse> r = probe.Get("https://127.0.0.1:" + std::to_string(port_) + "/health");
      if (r.ok() && r->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "HTTPS VictoriaMetrics did not start";
  }
  static void TearDownTestSuite() {
    delete vm_;
    delete dir_;
  }
  static Connection Https() {
    Connection c;
    c.url = "https://127.0.0.1:" + std::to_string(port_);
    Result<Connection> n = NormalizeConnection(c);
    EXPECT_TRUE(n.ok());
    return *n;
  }
  static TempDir* dir_;
  static testing::ChildProcess* vm_;
  static int port_;
};
TempDir* VmTls::dir_ = nullptr;
testing::ChildProcess* VmTls::vm_ = nullptr;
int VmTls::port_ = 0;

TEST_F(VmTls, UnknownCaFailsWithHint) {
  Result<nlohmann::json> q = VmClient(Https()).Query("1");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("TLS certificate verification failed"), std::string::npos)
      << q.status().message();
  EXPECT_NE(q.status().hint().find("-tls-ca-file"), std::string::npos) << q.status().hint();
}

TEST_F(VmTls, CustomCaFileVerifies) {
  Connection c = Https();
  c.tls.ca_file = dir_->path() + "/cert.pem";
  Result<nlohmann::json> q = VmClient(c).Query("1");
  EXPECT_TRUE(q.ok()) << q.status().ToString();
}

TEST_F(VmTls, SkipVerifyConnects) {
  Connection c = Https();
  c.tls.skip_verify = true;
  Result<nlohmann::json> q = VmClient(c).Query("1");
  EXPECT_TRUE(q.ok()) << q.status().ToString();
}

TEST_F(VmTls, MissingCaFileIsAClearError) {
  Connection c = Https();
  c.tls.ca_file = dir_->path() + "/no-such.pem";
  Result<nlohmann::json> q = VmClient(c).Query("1");
  ASSERT_FALSE(q.ok());
  EXPECT_FALSE(q.status().hint().empty()) << q.status().ToString();
}

}  // namespace
}  // namespace vmx
