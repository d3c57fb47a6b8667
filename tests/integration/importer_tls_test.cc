// vmimport towards an HTTPS target that demands a client certificate, on the command line and
// through the page's API: without the target's CA, or without the client certificate, nothing
// arrives and the error says which; with both, every sample does. The target is a real
// victoria-metrics behind a TLS front (tests/support/tls_front.h), since the open-source
// VictoriaMetrics cannot ask for client certificates.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "support/importer_api_calls.h"
#include "support/sample_count.h"
#include "support/test_files.h"
#include "support/tls_front.h"
#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

// `series` series of 10 samples, a minute apart, ending ten minutes ago, metric `name`.
std::string Series(const std::string& name, int series) {
  const int64_t end = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                              .count() *
                          1000 -
                      600'000;
  std::string out;
  for (int s = 0; s < series; ++s) {
    out +=
        fmt::format(R"({{"metric":{{"__name__":"{}","job":"tls","s":"{}"}},"values":[)", name, s);
    for (int k = 0; k < 10; ++k) out += fmt::format("{}{}", k ? "," : "", s + k);
    out += "],\"timestamps\":[";
    for (int k = 0; k < 10; ++k) out += fmt::format("{}{}", k ? "," : "", end - 60'000 * (9 - k));
    out += "]}\n";
  }
  return out;
}

CommandRun Import(const std::vector<std::string>& args) {
  std::string cmd = ShellQuote(VmimportBinary()) + " import";
  for (const std::string& a : args) cmd += " " + ShellQuote(a);
  return RunCommand(cmd);
}

class ImporterTls : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeSelfSignedCertificate(dir_.path(), "127.0.0.1");  // the target's certificate
    MakeSelfSignedCertificate(dir_.path(), "support-client");
  }
  std::string File(const std::string& name) const { return dir_.path() + "/" + name; }
  std::vector<std::string> ClientCertificate() const {
    return {"-tls-cert-file=" + File("support-client.pem"),
            "-tls-key-file=" + File("support-client-key.pem")};
  }

  TempDir dir_;
  VmSingle vm_;
};

TEST_F(ImporterTls, CommandLineNeedsTheCaAndTheClientCertificate) {
  TlsFront front(vm_.url(), File("127.0.0.1.pem"), File("127.0.0.1-key.pem"),
                 File("support-client.pem"));
  const std::string bundle = File("a.jsonl");
  WriteFile(bundle, Series("tls_cli", 6));

  // The target's certificate is not trusted: refused before a byte of the bundle goes out.
  CommandRun r = Import({"-url=" + front.url(), bundle});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("TLS certificate verification failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("-tls-ca-file"), std::string::npos) << r.err;
  EXPECT_EQ(front.requests(), 0);
  EXPECT_EQ(SamplesAt(vm_, "tls_cli"), 0u);

  // (Trusted but without a client certificate the import is refused after its retries; the
  // page's connection check below shows the same refusal without them.)
  std::vector<std::string> args = {"-url=" + front.url(), "-tls-ca-file=" + File("127.0.0.1.pem")};
  for (const std::string& a : ClientCertificate()) args.push_back(a);
  args.push_back(bundle);
  r = Import(args);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verified: the target holds all 6 series and 60 samples"), std::string::npos)
      << r.out;
  EXPECT_EQ(SamplesAt(vm_, "tls_cli"), 60u);

  // -tls-insecure-skip-verify stands in for the CA; the client certificate is still needed.
  const std::string other = File("b.jsonl");
  WriteFile(other, Series("tls_skip", 3));
  args = {"-url=" + front.url(), "-tls-insecure-skip-verify"};
  for (const std::string& a : ClientCertificate()) args.push_back(a);
  args.push_back(other);
  r = Import(args);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(SamplesAt(vm_, "tls_skip"), 30u);
}

TEST_F(ImporterTls, PageConnectionCarriesTheCaAndTheClientCertificate) {
  TlsFront front(vm_.url(), File("127.0.0.1.pem"), File("127.0.0.1-key.pem"),
                 File("support-client.pem"));
  ServerBinary app(VmimportBinary(), {});
  nlohmann::json connection = {{"url", front.url()}, {"tls_ca_file", File("127.0.0.1.pem")}};
  HttpAnswer a =
      app.Api("POST", "/api/connection/check", nlohmann::json{{"connection", connection}}.dump());
  ASSERT_EQ(a.status, 200) << a.body;
  const nlohmann::json refused = nlohmann::json::parse(a.body);
  EXPECT_EQ(refused["ok"], false) << "no client certificate: " << a.body;
  EXPECT_NE(refused.value("hint", "").find("tls_cert_file"), std::string::npos) << a.body;
  EXPECT_EQ(front.requests(), 0);

  connection["tls_cert_file"] = File("support-client.pem");
  connection["tls_key_file"] = File("support-client-key.pem");
  a = app.Api("POST", "/api/connection/check", nlohmann::json{{"connection", connection}}.dump());
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(nlohmann::json::parse(a.body)["ok"], true) << a.body;

  // The import itself goes the same way: uploaded, started, verified, held by the target.
  const ImporterAnswer up =
      ImporterUpload(app, Series("tls_page", 4), {{"connection", connection}});
  ASSERT_EQ(up.status, 200) << up.body;
  const ImporterAnswer done = WaitForImport(app, up.body["job_id"], ImportEnded);
  ASSERT_EQ(done.body["state"], "completed") << done.body;
  EXPECT_EQ(done.body["report"]["verification"]["outcome"], "verified") << done.body;
  EXPECT_EQ(SamplesAt(vm_, "tls_page"), 40u);
}

}  // namespace
}  // namespace vmx::testing
