// VmClient against real VictoriaMetrics topologies on 127.0.0.1: single node, vmauth with basic,
// bearer and custom-header auth, cluster-style tenant paths, a /rw/ route without export, wrong
// credentials and an unreachable port.
#include "infrastructure/vm/vm_client.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "infrastructure/vm/url_normalizer.h"
#include "support/vm_harness.h"

namespace vmx {
namespace {

using testing::FreePort;
using testing::ManagedGatewayConfig;
using testing::VmAuth;
using testing::VmSingle;
using testing::VmSingleOptions;

constexpr UnixMillis kT0 = 1700000000000;  // 2023-11-14T22:13:20Z

std::string ProbeSeries() {
  std::string out;
  for (int i = 0; i < 3; ++i) {
    out += fmt::format(
        R"({{"metric":{{"__name__":"probe_total","job":"vmstorage","instance":"10.0.0.{}:8482"}},"values":[1,2,3,4],"timestamps":[{},{},{},{}]}})"
        "\n",
        i + 1, kT0, kT0 + 1000, kT0 + 2000, kT0 + 2500);
  }
  return out;
}

Connection Conn(const std::string& pasted) {
  Connection c;
  c.url = pasted;
  Result<Connection> n = NormalizeConnection(c);
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  return n.ok() ? *n : c;
}

std::string ExportAll(VmClient& client, UnixMillis start, UnixMillis end, Status* status) {
  std::string out;
  *status = client.Export({"{__name__=\"probe_total\"}"}, start, end, [&](std::string_view c) {
    out.append(c);
    return true;
  });
  return out;
}

size_t CountLines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST(VmClientSingle, QueriesSeriesLabelsAndExport) {
  VmSingle vm;
  vm.Import(ProbeSeries());
  VmClient client(Conn(vm.url()));
  const TimeRange range{kT0 - 60'000, kT0 + 60'000};

  Result<nlohmann::json> q = client.Query("count(probe_total)", kT0 + 2500);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ((*q)["result"][0]["value"][1], "3");

  // A range over the samples only, stepped every second: the three series summed, 3 x 1..4 (VM
  // may add the last value at a trailing step, so the first four points are checked).
  Result<nlohmann::json> qr = client.QueryRange("sum(probe_total)", TimeRange{kT0, kT0 + 3000}, 1);
  ASSERT_TRUE(qr.ok()) << qr.status().ToString();
  EXPECT_EQ((*qr)["resultType"], "matrix");
  ASSERT_EQ((*qr)["result"].size(), 1u) << qr->dump();
  const nlohmann::json& points = (*qr)["result"][0]["values"];
  ASSERT_GE(points.size(), 3u) << qr->dump();
  EXPECT_EQ(points[0], nlohmann::json::array({kT0 / 1000, "3"})) << qr->dump();
  EXPECT_EQ(points[1], nlohmann::json::array({kT0 / 1000 + 1, "6"})) << qr->dump();
  EXPECT_EQ(points[2], nlohmann::json::array({kT0 / 1000 + 2, "9"})) << qr->dump();

  Result<nlohmann::json> series = client.Series({"probe_total"}, range);
  ASSERT_TRUE(series.ok()) << series.status().ToString();
  EXPECT_EQ(series->size(), 3u);
  Result<nlohmann::json> limited = client.Series({"probe_total"}, range, 2);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 2u);
  for (const auto& one : *series) {
    EXPECT_EQ(one.value("job", ""), "vmstorage") << series->dump();
    EXPECT_EQ(one.value("__name__", ""), "probe_total") << series->dump();
  }

  Result<std::vector<std::string>> names = client.LabelNames({"probe_total"}, range);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  std::vector<std::string> sorted_names = *names;
  std::sort(sorted_names.begin(), sorted_names.end());
  EXPECT_EQ(sorted_names, (std::vector<std::string>{"__name__", "instance", "job"}));
  Result<std::vector<std::string>> jobs = client.LabelValues("job", {}, range);
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(*jobs, std::vector<std::string>{"vmstorage"});

  Result<nlohmann::json> build = client.BuildInfo();
  ASSERT_TRUE(build.ok()) << build.status().ToString();  // 1.79.5 answers {"data":{}}

  Status s;
  std::string all = ExportAll(client, kT0, kT0 + 2500, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(CountLines(all), 3u);
  EXPECT_NE(all.find("\"values\":[1,2,3,4]"), std::string::npos) << all;
  // Millisecond precision: end=kT0+2499 excludes the sample at kT0+2500.
  std::string cut = ExportAll(client, kT0, kT0 + 2499, &s);
  ASSERT_TRUE(s.ok());
  EXPECT_NE(cut.find("\"values\":[1,2,3]"), std::string::npos) << cut;
  std::string late = ExportAll(client, kT0 + 1, kT0 + 2500, &s);
  ASSERT_TRUE(s.ok());
  EXPECT_NE(late.find("\"values\":[2,3,4]"), std::string::npos) << late;
}

TEST(VmClientSingle, PrometheusPrefixAndBadQuery) {
  VmSingle vm;
  vm.Import(ProbeSeries());
  VmClient client(Conn(vm.url() + "/prometheus"));
  Result<nlohmann::json> q = client.Query("count(probe_total)", kT0 + 2500);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  Result<nlohmann::json> bad = client.Query("sum((", kT0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("HTTP 422"), std::string::npos) << bad.status().message();
}

TEST(VmClientSingle, TenantPathOnSingleNodeSaysUnsupportedPath) {
  VmSingle vm;
  VmClient client(Conn(vm.url() + "/select/0/prometheus"));
  Result<nlohmann::json> q = client.Query("up");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), StatusCode::kNotFound);
  EXPECT_NE(q.status().message().find("unsupported path"), std::string::npos)
      << q.status().message();
  EXPECT_NE(q.status().hint().find("single-node"), std::string::npos) << q.status().hint();
  Status e = client.Export({"up"}, kT0, kT0 + 1000, [](std::string_view) { return true; });
  EXPECT_TRUE(IsMissingExportRoute(e)) << e.ToString();
}

TEST(VmClientCluster, TenantPathsAndMissingTenantHint) {
  VmSingle vm(VmSingleOptions{.path_prefix = "/select/0", .retention = "100y", .extra_flags = {}});
  vm.Import(ProbeSeries());
  VmClient client(Conn(vm.root_url() + "/select/0/prometheus"));
  EXPECT_EQ(client.connection().tenant_id, "0");
  Result<nlohmann::json> q = client.Query("count(probe_total)", kT0 + 2500);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  Status s;
  EXPECT_EQ(CountLines(ExportAll(client, kT0, kT0 + 3000, &s)), 3u);
  EXPECT_TRUE(s.ok()) << s.ToString();

  // The bare host: the server names its path prefix and we turn that into a hint.
  VmClient bare(Conn(vm.root_url()));
  Result<nlohmann::json> b = bare.Query("up");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("missing -http.pathPrefix"), std::string::npos)
      << b.status().message();
  EXPECT_NE(b.status().hint().find(vm.root_url() + "/select/0/prometheus"), std::string::npos)
      << b.status().hint();
}

class VmClientBehindVmauth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    vm_ = new VmSingle();
    vm_->Import(ProbeSeries());
    auth_ = new VmAuth(
        "users:\n"
        "  - username: \"reader\"\n    password: \"pa ss:w0rd\"\n    url_prefix: \"" +
        vm_->url() +
        "\"\n"
        "  - bearer_token: \"bearer-tok-42\"\n    url_prefix: \"" +
        vm_->url() +
        "\"\n"
        "  - username: \"rw-user\"\n    password: \"rw-pass\"\n    url_map:\n"
        "      - src_paths: [\"/api/v1/query.*\", \"/api/v1/series.*\", \"/api/v1/label.*\"]\n"
        "        url_prefix: \"" +
        vm_->url() + "\"\n");
  }
  static void TearDownTestSuite() {
    delete auth_;
    delete vm_;
  }
  static Connection With(AuthConfig auth) {
    Connection c = Conn(auth_->url());
    c.auth = std::move(auth);
    return c;
  }
  static VmSingle* vm_;
  static VmAuth* auth_;
};
VmSingle* VmClientBehindVmauth::vm_ = nullptr;
VmAuth* VmClientBehindVmauth::auth_ = nullptr;

TEST_F(VmClientBehindVmauth, BasicBearerAndHeaderAuthWork) {
  AuthConfig basic{.type = AuthType::kBasic,
                   .username = "reader",
                   .password = "pa ss:w0rd",
                   .token = "",
                   .header_name = "",
                   .header_value = ""};
  AuthConfig bearer{.type = AuthType::kBearer,
                    .username = "",
                    .password = "",
                    .token = "bearer-tok-42",
                    .header_name = "",
                    .header_value = ""};
  AuthConfig header{.type = AuthType::kHeader,
                    .username = "",
                    .password = "",
                    .token = "",
                    .header_name = "Authorization",
                    .header_value = "Bearer bearer-tok-42"};
  for (const AuthConfig& a : {basic, bearer, header}) {
    VmClient client(With(a));
    Result<nlohmann::json> q = client.Query("count(probe_total)", kT0 + 2500);
    ASSERT_TRUE(q.ok()) << AuthTypeName(a.type) << ": " << q.status().ToString();
    EXPECT_EQ((*q)["result"][0]["value"][1], "3");
    Status s;
    EXPECT_EQ(CountLines(ExportAll(client, kT0, kT0 + 3000, &s)), 3u) << AuthTypeName(a.type);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  // Credentials pasted into the URL end up as basic auth.
  VmClient pasted(Conn("http://reader:pa%20ss%3Aw0rd@" + auth_->url().substr(7)));
  EXPECT_EQ(pasted.connection().auth.type, AuthType::kBasic);
  EXPECT_TRUE(pasted.Query("1").ok());
}

TEST_F(VmClientBehindVmauth, WrongPasswordIsUnauthenticatedAndNeverEchoed) {
  AuthConfig wrong{.type = AuthType::kBasic,
                   .username = "reader",
                   .password = "guessed-secret",
                   .token = "",
                   .header_name = "",
                   .header_value = ""};
  VmClient client(With(wrong));
  Result<nlohmann::json> q = client.Query("up");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), StatusCode::kUnauthenticated) << q.status().ToString();
  EXPECT_NE(q.status().hint().find("password"), std::string::npos) << q.status().hint();
  const std::string all = q.status().ToString();
  EXPECT_EQ(all.find("guessed-secret"), std::string::npos) << all;
  EXPECT_EQ(all.find("cmVhZGVy"), std::string::npos) << all;  // base64 of "reader:..."
  Status e = client.Export({"up"}, kT0, kT0 + 1000, [](std::string_view) { return true; });
  EXPECT_EQ(e.code(), StatusCode::kUnauthenticated) << e.ToString();
  EXPECT_FALSE(IsMissingExportRoute(e));

  AuthConfig bad_token{.type = AuthType::kBearer,
                       .username = "",
                       .password = "",
                       .token = "nope-token",
                       .header_name = "",
                       .header_value = ""};
  Result<nlohmann::json> b = VmClient(With(bad_token)).Query("up");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(b.status().ToString().find("nope-token"), std::string::npos) << b.status().ToString();

  Result<nlohmann::json> none = VmClient(With(AuthConfig{})).Query("up");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(none.status().hint().find("requires auth"), std::string::npos) << none.status().hint();
}

TEST_F(VmClientBehindVmauth, RouteWithoutExportIsMissingExportRoute) {
  AuthConfig rw{.type = AuthType::kBasic,
                .username = "rw-user",
                .password = "rw-pass",
                .token = "",
                .header_name = "",
                .header_value = ""};
  VmClient client(With(rw));
  EXPECT_TRUE(client.Query("1").ok());
  Status e = client.Export({"probe_total"}, kT0, kT0 + 3000, [](std::string_view) { return true; });
  ASSERT_FALSE(e.ok());
  EXPECT_TRUE(IsMissingExportRoute(e)) << e.ToString();
  EXPECT_NE(e.message().find("missing route"), std::string::npos) << e.message();
  Result<nlohmann::json> bi = client.BuildInfo();
  ASSERT_FALSE(bi.ok());
  EXPECT_EQ(bi.status().code(), StatusCode::kNotFound);
}

TEST(VmClientManaged, RwPrefixWithoutExportFallsBackToPlainPrefix) {
  // Managed gateways serve /<tenant>/rw/prometheus for queries but route export only without rw.
  VmSingle rw(VmSingleOptions{.path_prefix = "/1011/rw", .retention = "100y", .extra_flags = {}});
  VmSingle plain(VmSingleOptions{.path_prefix = "/1011", .retention = "100y", .extra_flags = {}});
  plain.Import(ProbeSeries());
  rw.Import(ProbeSeries());
  VmAuth gw(ManagedGatewayConfig(rw, plain));
  Connection c = Conn("http://m:p@" + gw.url().substr(7) + "/1011/rw/prometheus");
  EXPECT_EQ(c.tenant_id, "1011");
  VmClient client(c);
  ASSERT_TRUE(client.Query("count(probe_total)", kT0 + 2500).ok());
  Status e = client.Export({"probe_total"}, kT0, kT0 + 3000, [](std::string_view) { return true; });
  ASSERT_TRUE(IsMissingExportRoute(e)) << e.ToString();
  std::optional<std::string> alt = ExportFallbackApiUrl(c);
  ASSERT_TRUE(alt.has_value());
  Connection ac = c;
  ac.full_api_url = *alt;
  VmClient fallback(ac);
  Status s;
  EXPECT_EQ(CountLines(ExportAll(fallback, kT0, kT0 + 3000, &s)), 3u);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(VmClientErrors, UnreachablePortSaysIsVictoriaMetricsRunning) {
  const int port = FreePort();
  VmClient client(Conn("127.0.0.1:" + std::to_string(port)));
  Result<nlohmann::json> q = client.Query("up");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(q.status().message().find("cannot run query"), std::string::npos)
      << q.status().message();
  EXPECT_NE(
      q.status().hint().find("is VictoriaMetrics running at 127.0.0.1:" + std::to_string(port)),
      std::string::npos)
      << q.status().hint();
  Status e = client.Export({"up"}, kT0, kT0 + 1, [](std::string_view) { return true; });
  EXPECT_EQ(e.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(IsMissingExportRoute(e));
}

// A login portal answering HTML with 200 is not something VictoriaMetrics can produce.
TEST(VmClientErrors, HtmlAnswerSaysNotTheApi) {
  httplib::Server server;
  server.Get(R"(/.*)", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<!doctype html><html><body>Sign in</body></html>", "text/html");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  VmClient client(Conn("127.0.0.1:" + std::to_string(port)));
  Result<nlohmann::json> q = client.Query("up");
  server.stop();
  t.join();
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("not JSON"), std::string::npos) << q.status().message();
  EXPECT_NE(q.status().hint().find("web page"), std::string::npos) << q.status().hint();
}

}  // namespace
}  // namespace vmx
