// TLS towards a real VictoriaMetrics serving HTTPS with a self-signed certificate: verification
// failure with its hint, a custom CA file, skip-verify, and the way there through an HTTPS_PROXY
// (unless NO_PROXY names the host). Client certificates against a local TLS front (openssl
// s_server) that demands one, since the open-source VictoriaMetrics cannot.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "common/http_client.h"
#include "infrastructure/vm/url_normalizer.h"
#include "infrastructure/vm/vm_client.h"
#include "support/connect_proxy.h"
#include "support/vm_harness.h"

namespace vmx {
namespace {

using testing::ChildProcess;
using testing::ConnectProxy;
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
  // The user learns which file is the problem, not just that TLS failed.
  EXPECT_NE(q.status().ToString().find("no-such.pem"), std::string::npos) << q.status().ToString();
  EXPECT_FALSE(q.status().hint().empty()) << q.status().ToString();
}

// Sets an environment variable for one scope (libcurl reads the proxy variables per transfer).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

TEST_F(VmTls, HttpsProxyTunnelsUnlessNoProxyNamesTheHost) {
  ConnectProxy proxy;
  const std::string target = "127.0.0.1:" + std::to_string(port_);
  ScopedEnv https_proxy("HTTPS_PROXY", proxy.url());
  Connection c = Https();
  c.tls.ca_file = dir_->path() + "/cert.pem";
  {
    Result<nlohmann::json> q = VmClient(c).Query("1");
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    EXPECT_EQ(proxy.targets(), std::vector<std::string>{target})
        << "the query went through the proxy";
  }
  {
    ScopedEnv no_proxy("NO_PROXY", "127.0.0.1");
    Result<nlohmann::json> q = VmClient(c).Query("1");
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    EXPECT_EQ(proxy.targets().size(), 1u) << "NO_PROXY names the host: no second tunnel";
  }
}

TEST_F(VmTls, ClientCertificateIsPresentedToAFrontThatDemandsOne) {
  TempDir d;
  const std::string ccert = d.path() + "/client.pem", ckey = d.path() + "/client-key.pem";
  ASSERT_EQ(
      std::system(
          ("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=support-client -keyout " +
           ckey + " -out " + ccert + " >/dev/null 2>&1")
              .c_str()),
      0);
  // -Verify 1: the handshake fails without a client certificate signed by -CAfile.
  ChildProcess front({"/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:0", "-cert",
                      dir_->path() + "/cert.pem", "-key", dir_->path() + "/key.pem", "-Verify", "1",
                      "-CAfile", ccert, "-www", "-quiet"},
                     d.path() + "/s_server.log");
  const int port = front.WaitForListeningPort();
  ASSERT_GT(port, 0);
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/";
  HttpClientOptions o;
  o.tls_ca_file = dir_->path() + "/cert.pem";
  {
    Result<HttpResponse> without = HttpClient(o).Get(url);
    EXPECT_FALSE(without.ok() && without->status == 200)
        << "the front let a client without a certificate in";
  }
  o.tls_cert_file = ccert;
  o.tls_key_file = ckey;
  Result<HttpResponse> with = HttpClient(o).Get(url);
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_EQ(with->status, 200) << with->body.substr(0, 300);
}

}  // namespace
}  // namespace vmx
