// /api/validate, /api/discover and /api/sample against real VictoriaMetrics topologies on
// 127.0.0.1 (single node, vmauth with basic/bearer/custom-header auth, cluster-style tenant paths,
// a managed /rw/ route without export, wrong password, unreachable port), served by the real
// RegisterDiscoveryApi on an in-process server, plus one pass through the vmexporter binary.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "server/discovery_api.h"
#include "support/vm_harness.h"

namespace vmx {
namespace {

using nlohmann::json;
using testing::FreePort;
using testing::ManagedGatewayConfig;
using testing::ServerBinary;
using testing::VmAuth;
using testing::VmSingle;
using testing::VmSingleOptions;

constexpr int64_t kT0 = 1700000000;  // seconds; the range is [T0, T0+6h]
constexpr int64_t kHour = 3600;
const char* const kRangeStart = "2023-11-14T22:13:20Z";
const char* const kRangeEnd = "2023-11-15T04:13:20Z";

// One series with a sample every 30 s in [from, from+span), offset 15 s from range edges.
std::string Series(const json& labels, int64_t from, int64_t span) {
  json values = json::array(), ts = json::array();
  for (int64_t t = from + 15; t < from + span; t += 30) {
    values.push_back(1);
    ts.push_back(t * 1000);
  }
  return json{{"metric", labels}, {"values", values}, {"timestamps", ts}}.dump() + "\n";
}

// Components as a monitoring VM stores them:
// - vmstorage-prod: 2 instances with a full version label (v1.79.5 and v1.100.0), ONLY in the
//   first hour;
// - victoria-metrics: Debian's empty version label, only in the last hour;
// - scraper: empty version, a job name that says nothing, vmagent_* metrics, mid-range;
// - test1: no vm_app_version at all (a non-VictoriaMetrics workload).
std::string Fixture() {
  std::string out;
  for (const char* inst : {"10.0.0.1:8482", "10.0.0.2:8482"}) {
    for (const char* name : {"vm_app_version", "vm_vminsert_conns", "vm_data_size_bytes"}) {
      json l = {{"__name__", name}, {"job", "vmstorage-prod"}, {"instance", inst}};
      if (std::string(name) == "vm_app_version") {  // mid-upgrade: one instance on each version
        l["version"] = std::string(inst) == "10.0.0.1:8482"
                           ? "vmstorage-20220808-094220-tags-v1.79.5-cluster-0-gdebian00"
                           : "vmstorage-20240101-000000-tags-v1.100.0-cluster-0-g0000000";
      }
      out += Series(l, kT0, kHour);
    }
  }
  for (const char* name :
       {"vm_app_version", "vm_cache_entries", "vm_rows_inserted_total", "vm_data_size_bytes"}) {
    out += Series({{"__name__", name}, {"job", "victoria-metrics"}, {"instance", "127.0.0.1:8428"}},
                  kT0 + 5 * kHour, kHour);
  }
  for (const char* name : {"vm_app_version", "vmagent_remotewrite_requests_total"}) {
    out += Series({{"__name__", name}, {"job", "scraper"}, {"instance", "192.168.1.9:8429"}},
                  kT0 + 2 * kHour, kHour);
  }
  out += Series({{"__name__", "go_goroutines"}, {"job", "test1"}, {"instance", "app:9100"}}, kT0,
                6 * kHour);
  return out;
}

// The discovery endpoints on an in-process server.
class ApiServer {
 public:
  ApiServer() {
    RegisterDiscoveryApi(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~ApiServer() {
    server_.stop();
    thread_.join();
  }
  // POSTs raw text; returns {status, parsed body (null when not JSON), raw body}.
  std::tuple<int, json, std::string> PostRaw(const std::string& path, const std::string& body) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    auto r = c.Post(path.c_str(), body, "application/json");
    if (!r) return {0, json(), ""};
    return {r->status, json::parse(r->body, nullptr, false), r->body};
  }
  std::tuple<int, json, std::string> Post(const std::string& path, const json& body) {
    return PostRaw(path, body.dump());
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

json Conn(const std::string& url, json auth = {{"type", "none"}}) {
  return {{"url", url}, {"auth", std::move(auth)}};
}

json Range() { return {{"start", kRangeStart}, {"end", kRangeEnd}}; }

const json* FindComponent(const json& reply, const std::string& name) {
  for (const auto& c : reply["components"]) {
    if (c["component"] == name) return &c;
  }
  return nullptr;
}

// One VictoriaMetrics with the fixture and a vmauth in front of it, shared by the suite.
class VmConnect : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    vm_ = new VmSingle();
    vm_->Import(Fixture());
    auth_ = new VmAuth(
        "users:\n"
        "  - username: \"reader\"\n    password: \"s3cret-pw\"\n    url_prefix: \"" +
        vm_->url() +
        "\"\n"
        "  - bearer_token: \"tok-777\"\n    url_prefix: \"" +
        vm_->url() +
        "\"\n"
        "  - username: \"rw-user\"\n    password: \"rw-pass\"\n    url_map:\n"
        "      - src_paths: [\"/api/v1/query.*\", \"/api/v1/series.*\", \"/api/v1/label.*\"]\n"
        "        url_prefix: \"" +
        vm_->url() + "\"\n");
    api_ = new ApiServer();
  }
  static void TearDownTestSuite() {
    delete api_;
    delete auth_;
    delete vm_;
  }
  static VmSingle* vm_;
  static VmAuth* auth_;
  static ApiServer* api_;
};
VmSingle* VmConnect::vm_ = nullptr;
VmAuth* VmConnect::auth_ = nullptr;
ApiServer* VmConnect::api_ = nullptr;

TEST_F(VmConnect, ValidateSingleNode) {
  auto [status, reply, raw] =
      api_->Post("/api/validate",
                 {{"connection", Conn(" " + vm_->url() + "/prometheus/api/v1/query?query=up ")}});
  ASSERT_EQ(status, 200) << raw;
  EXPECT_EQ(reply["flavour"], "single");
  EXPECT_EQ(reply["behind_vmauth"], false);
  EXPECT_EQ(reply["connection"]["full_api_url"], vm_->url() + "/prometheus");
  EXPECT_EQ(reply["connection"]["api_base_path"], "/prometheus");
  EXPECT_EQ(reply["export_route"], true);
  ASSERT_EQ(reply["attempts"].size(), 1u) << raw;
  EXPECT_EQ(reply["attempts"][0]["success"], true);
}

TEST_F(VmConnect, ValidateBehindVmauthWithBasicBearerAndHeader) {
  const json auths[] = {
      {{"type", "basic"}, {"username", "reader"}, {"password", "s3cret-pw"}},
      {{"type", "bearer"}, {"token", "tok-777"}},
      {{"type", "header"}, {"header_name", "Authorization"}, {"header_value", "Bearer tok-777"}},
  };
  for (const json& a : auths) {
    auto [status, reply, raw] =
        api_->Post("/api/validate", {{"connection", Conn(auth_->url(), a)}});
    ASSERT_EQ(status, 200) << a["type"] << ": " << raw;
    EXPECT_EQ(reply["flavour"], "vmauth") << raw;
    EXPECT_EQ(reply["behind_vmauth"], true);
    EXPECT_EQ(reply["connection"]["auth"]["type"], a["type"]);
    // Never echo a secret.
    EXPECT_EQ(raw.find("s3cret-pw"), std::string::npos) << raw;
    EXPECT_EQ(raw.find("tok-777"), std::string::npos) << raw;
  }
  // Credentials pasted into the URL work too, and are not echoed.
  auto [status, reply, raw] = api_->Post(
      "/api/validate", {{"connection", Conn("http://reader:s3cret-pw@" + auth_->url().substr(7))}});
  ASSERT_EQ(status, 200) << raw;
  EXPECT_EQ(reply["connection"]["auth"]["type"], "basic");
  EXPECT_EQ(reply["connection"]["auth"]["username"], "reader");
  EXPECT_EQ(raw.find("s3cret-pw"), std::string::npos) << raw;
}

TEST_F(VmConnect, ValidateWrongPasswordIsAuthStageWithoutSecrets) {
  auto [status, reply, raw] =
      api_->Post("/api/validate",
                 {{"connection",
                   Conn(auth_->url(),
                        {{"type", "basic"}, {"username", "reader"}, {"password", "not-the-pw"}})}});
  // As vmgather: an unusable VictoriaMetrics is an answer (200, success:false), not an API error.
  EXPECT_EQ(status, 200) << raw;
  EXPECT_EQ(reply["success"], false) << raw;
  EXPECT_EQ(reply["failure_status"], 401) << raw;
  EXPECT_EQ(reply["stage"], "auth");
  EXPECT_NE(reply["hint"].get<std::string>().find("password"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("not-the-pw"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("cmVhZGVy"), std::string::npos) << raw;  // base64("reader:…") echoed by vmauth

  auto [s2, r2, raw2] = api_->Post("/api/validate", {{"connection", Conn(auth_->url())}});
  EXPECT_EQ(s2, 200) << raw2;
  EXPECT_EQ(r2["failure_status"], 401) << raw2;
  EXPECT_NE(r2["hint"].get<std::string>().find("requires auth"), std::string::npos) << raw2;
}

TEST_F(VmConnect, ValidateUnreachablePort) {
  const int port = FreePort();
  auto [status, reply, raw] =
      api_->Post("/api/validate", {{"connection", Conn("127.0.0.1:" + std::to_string(port))}});
  EXPECT_EQ(status, 200) << raw;
  EXPECT_EQ(reply["success"], false) << raw;
  EXPECT_EQ(reply["failure_status"], 502) << raw;
  EXPECT_EQ(reply["stage"], "reachable");
  EXPECT_NE(reply["hint"].get<std::string>().find("is VictoriaMetrics running at 127.0.0.1:" +
                                                  std::to_string(port)),
            std::string::npos)
      << raw;
  EXPECT_EQ(reply["attempts"].size(), 1u) << raw;
}

TEST_F(VmConnect, ValidateRouteWithoutExportSaysQueryRangeFallback) {
  auto [status, reply, raw] =
      api_->Post("/api/validate", {{"connection", Conn(auth_->url(), {{"type", "basic"},
                                                                      {"username", "rw-user"},
                                                                      {"password", "rw-pass"}})}});
  ASSERT_EQ(status, 200) << raw;
  EXPECT_EQ(reply["export_route"], false);
  EXPECT_NE(reply["notes"].dump().find("query_range"), std::string::npos) << raw;
}

TEST_F(VmConnect, DiscoverFindsComponentsOverTheWholeRange) {
  auto [status, reply, raw] =
      api_->Post("/api/discover", {{"connection", Conn(vm_->url())}, {"time_range", Range()}});
  ASSERT_EQ(status, 200) << raw;
  EXPECT_EQ(reply["count_method"], "full_range");

  // Only in the first hour of the range, yet found.
  const json* storage = FindComponent(reply, "vmstorage");
  ASSERT_NE(storage, nullptr) << raw;
  EXPECT_EQ((*storage)["jobs"], json::array({"vmstorage-prod"}));
  EXPECT_EQ((*storage)["instance_count"], 2);
  EXPECT_EQ((*storage)["metrics_count_estimate"], 6);
  EXPECT_EQ((*storage)["job_metrics"]["vmstorage-prod"], 6);
  // Mid-upgrade: both versions with their instances; the newest by number, not by text.
  EXPECT_EQ((*storage)["version"], "v1.100.0");
  EXPECT_EQ((*storage)["versions_seen"], json::parse(R"([{"version":"v1.79.5","instances":1},
                                                         {"version":"v1.100.0","instances":1}])"));
  EXPECT_EQ((*storage)["evidence"], "version_label");

  // Debian's empty version label: the job name decides.
  const json* single = FindComponent(reply, "vmsingle");
  ASSERT_NE(single, nullptr) << raw;
  EXPECT_EQ((*single)["jobs"], json::array({"victoria-metrics"}));
  EXPECT_EQ((*single)["metrics_count_estimate"], 4);
  EXPECT_EQ((*single)["evidence"], "job_name");
  EXPECT_EQ((*single)["version"], "");  // the build reports none, and nothing is made up
  EXPECT_EQ((*single)["versions_seen"], json::parse(R"([{"version":"","instances":1}])"));

  // Neither version nor job name: the metric prefixes decide.
  const json* agent = FindComponent(reply, "vmagent");
  ASSERT_NE(agent, nullptr) << raw;
  EXPECT_EQ((*agent)["jobs"], json::array({"scraper"}));
  EXPECT_EQ((*agent)["job_metrics"]["scraper"], 2);
  EXPECT_EQ((*agent)["evidence"], "metric_names");

  EXPECT_EQ(reply["components"].size(), 3u) << raw;
  EXPECT_EQ(reply["other_jobs"], json::array({"test1"}));
  // 12 series, each scraped 120 times in its hour.
  EXPECT_EQ(reply["estimate"]["series"], 12);
  EXPECT_EQ(reply["estimate"]["estimated_samples"], 12 * 120);
  EXPECT_GT(reply["estimate"]["estimated_bundle_bytes"].get<int64_t>(), 0);
  EXPECT_LT(reply["estimate"]["estimated_bundle_bytes"].get<int64_t>(),
            reply["estimate"]["estimated_uncompressed_bytes"].get<int64_t>());

  // A range after vmstorage stopped does not list it.
  auto [s2, later, raw2] = api_->Post(
      "/api/discover", {{"connection", Conn(vm_->url())},
                        {"time_range", {{"start", "2023-11-15T01:00:00Z"}, {"end", kRangeEnd}}}});
  ASSERT_EQ(s2, 200) << raw2;
  EXPECT_EQ(FindComponent(later, "vmstorage"), nullptr) << raw2;
  EXPECT_NE(FindComponent(later, "vmsingle"), nullptr) << raw2;
}

TEST_F(VmConnect, DiscoverThroughVmauthBearer) {
  auto [status, reply, raw] =
      api_->Post("/api/discover",
                 {{"connection", Conn(auth_->url(), {{"type", "bearer"}, {"token", "tok-777"}})},
                  {"time_range", Range()}});
  ASSERT_EQ(status, 200) << raw;
  EXPECT_NE(FindComponent(reply, "vmstorage"), nullptr) << raw;
  EXPECT_EQ(raw.find("tok-777"), std::string::npos);
}

TEST_F(VmConnect, SampleIsObfuscatedInsideTheRangeAndCapped) {
  json config = {{"connection", Conn(vm_->url())},
                 {"time_range", Range()},
                 {"components", {"vmstorage"}},
                 {"jobs", {"vmstorage-prod"}},
                 {"obfuscation", {{"enabled", true}}}};
  auto [status, reply, raw] = api_->Post("/api/sample", {{"config", config}, {"limit", 100}});
  ASSERT_EQ(status, 200) << raw;
  ASSERT_EQ(reply["series"].size(), 6u) << raw;
  EXPECT_EQ(reply["truncated"], false);
  EXPECT_EQ(reply["obfuscated"], true);
  for (const auto& s : reply["series"]) {
    const std::string instance = s["metric"]["instance"];
    EXPECT_EQ(instance.rfind("777.777.", 0), 0u) << instance;
    EXPECT_EQ(s["metric"]["job"], "vmstorage-job-1") << s.dump();
  }
  EXPECT_EQ(raw.find("10.0.0.1"), std::string::npos) << raw;

  auto [s2, small, raw2] = api_->Post("/api/sample", {{"config", config}, {"limit", 2}});
  ASSERT_EQ(s2, 200) << raw2;
  EXPECT_EQ(small["series"].size(), 2u);
  EXPECT_EQ(small["truncated"], true);

  auto [s3, capped, raw3] = api_->Post("/api/sample", {{"config", config}, {"limit", 5000}});
  ASSERT_EQ(s3, 200) << raw3;
  EXPECT_EQ(capped["limit"], 1000);

  // Outside the range where vmstorage ran: nothing.
  config["time_range"] = {{"start", "2023-11-15T01:00:00Z"}, {"end", kRangeEnd}};
  auto [s4, none, raw4] = api_->Post("/api/sample", {{"config", config}});
  ASSERT_EQ(s4, 200) << raw4;
  EXPECT_EQ(none["series"].size(), 0u) << raw4;

  // Without obfuscation the originals come back.
  config["time_range"] = Range();
  config["obfuscation"] = {{"enabled", false}};
  auto [s5, plain, raw5] = api_->Post("/api/sample", {{"config", config}});
  ASSERT_EQ(s5, 200) << raw5;
  EXPECT_NE(raw5.find("10.0.0.1:8482"), std::string::npos) << raw5;
}

TEST_F(VmConnect, MalformedBodiesName400Fields) {
  struct Case {
    const char* path;
    std::string body;
    const char* error_part;
  };
  const std::string conn = Conn(vm_->url()).dump();
  const Case cases[] = {
      {"/api/validate", "", "body is empty"},
      {"/api/validate", "{not json", "not valid JSON"},
      {"/api/validate", "[1,2]", "must be a JSON object"},
      {"/api/validate", "{}", "connection is required"},
      {"/api/validate", R"({"connection": 5})", "connection must be an object"},
      {"/api/validate", R"({"connection": {"url": 7}})", "connection.url"},
      {"/api/validate", R"({"connection": {"url": "http://x", "auth": {"type": "kerberos"}}})",
       "connection.auth.type"},
      {"/api/validate", R"({"connection": {"url": "http://x", "auth": {"type": "basic"}}})",
       "connection.auth.username"},
      {"/api/validate", R"({"connection": {"url": "ftp://x"}})", "scheme"},
      {"/api/validate", R"({"connection": {"url": "http://vm:8481/select/abc/prometheus"}})",
       "tenant"},
      {"/api/discover", R"({"connection": )" + conn + "}", "time_range is required"},
      {"/api/discover",
       R"({"connection": )" + conn +
           R"(, "time_range": {"start": "2023-11-15T00:00:00Z", "end": "2023-11-14T00:00:00Z"}})",
       "time_range.end"},
      {"/api/discover",
       R"({"connection": )" + conn +
           R"(, "time_range": {"start": "yesterday", "end": "2023-11-14T00:00:00Z"}})",
       "time_range.start"},
      {"/api/sample", R"({"limit": 5})", "config is required"},
      {"/api/sample",
       R"({"config": {"connection": )" + conn +
           R"(, "time_range": {"start": "2023-11-14T00:00:00Z", "end": "2023-11-15T00:00:00Z"}, "jobs": ["a"]}, "limit": "ten"})",
       "limit"},
      {"/api/sample",
       R"({"config": {"connection": )" + conn +
           R"(, "time_range": {"start": "2023-11-14T00:00:00Z", "end": "2023-11-15T00:00:00Z"}, "jobs": ["a"]}, "limit": -3})",
       "limit must be a positive"},
      // (A cluster-mode config without jobs means every job of its components, as in vmgather:
      // that is no longer a 400; vmgather_contract_test covers it.)
      {"/api/sample", R"({"config": {"connection": )" + conn + R"(}})", "time_range"},
  };
  for (const Case& c : cases) {
    auto [status, reply, raw] = api_->PostRaw(c.path, c.body);
    EXPECT_EQ(status, 400) << c.path << " " << c.body << " -> " << raw;
    ASSERT_TRUE(reply.is_object()) << raw;
    EXPECT_NE(reply.value("error", "").find(c.error_part), std::string::npos)
        << c.body << " -> " << raw;
    EXPECT_EQ(reply.value("status", 0), 400) << raw;
  }
}

TEST_F(VmConnect, NothingCrashesOnOddInputs) {
  const std::string odd[] = {
      "null",
      "true",
      "\"text\"",
      "{\"connection\": null}",
      "{\"connection\": []}",
      "{\"connection\": {\"url\": \"\"}}",
      "{\"connection\": {\"url\": \"\\u0000\"}}",
      "{\"connection\": {\"url\": \"http://[::1\"}}",
      "{\"connection\": {\"url\": \"http://h:99999999999999999999\"}}",
      "{\"connection\": {\"url\": \"" + std::string(20000, 'a') + "\"}}",
      "{\"connection\": {\"url\": \"http://127.0.0.1:1\", \"auth\": {\"type\": \"header\", "
      "\"header_name\": \"X\\r\\nY\", \"header_value\": \"v\"}}}",
      "{\"config\": {\"connection\": {\"url\": \"h\"}, \"time_range\": {\"start\": 1, \"end\": "
      "2}}}",
      "{\"config\": 3}",
      "{\"config\": {}, \"limit\": 1e308}",
      "{\"time_range\": []}",
  };
  for (const char* path : {"/api/validate", "/api/discover", "/api/sample"}) {
    for (const std::string& body : odd) {
      auto [status, reply, raw] = api_->PostRaw(path, body);
      // /api/validate answers an unreachable host with 200 and success:false, as vmgather does.
      const bool answered = std::string(path) == "/api/validate" && status == 200 &&
                            reply.is_object() && reply.value("success", true) == false;
      EXPECT_TRUE(answered || (status >= 400 && status < 600))
          << path << " " << body.substr(0, 80) << " -> " << raw;
      EXPECT_TRUE(reply.is_object() && reply.contains("error"))
          << path << " " << body.substr(0, 80) << " -> " << raw;
    }
  }
}

TEST(VmConnectCluster, BareHostFindsTenantPathAndReportsAttempts) {
  VmSingle vmselect(
      VmSingleOptions{.path_prefix = "/select/0", .retention = "100y", .extra_flags = {}});
  vmselect.Import(Fixture());
  ApiServer api;
  auto [status, reply, raw] =
      api.Post("/api/validate", {{"connection", Conn(vmselect.root_url() + "/")}});
  ASSERT_EQ(status, 200) << raw;
  EXPECT_EQ(reply["flavour"], "cluster");
  EXPECT_EQ(reply["connection"]["api_base_path"], "/select/0/prometheus");
  EXPECT_EQ(reply["connection"]["tenant_id"], "0");
  ASSERT_EQ(reply["attempts"].size(), 2u) << raw;
  EXPECT_EQ(reply["attempts"][0]["success"], false);
  EXPECT_NE(reply["attempts"][0]["error"].get<std::string>().find("missing -http.pathPrefix"),
            std::string::npos)
      << raw;
  EXPECT_EQ(reply["attempts"][1]["endpoint"], vmselect.root_url() + "/select/0/prometheus");
  EXPECT_EQ(reply["attempts"][1]["success"], true);

  // The resolved connection sent back (as the wizard does) works for discovery.
  auto [s2, disc, raw2] =
      api.Post("/api/discover", {{"connection", reply["connection"]}, {"time_range", Range()}});
  ASSERT_EQ(s2, 200) << raw2;
  EXPECT_NE(FindComponent(disc, "vmstorage"), nullptr) << raw2;
}

TEST(VmConnectManaged, RwRouteWithoutExportUsesPlainPrefix) {
  VmSingle rw(VmSingleOptions{.path_prefix = "/1011/rw", .retention = "100y", .extra_flags = {}});
  VmSingle plain(VmSingleOptions{.path_prefix = "/1011", .retention = "100y", .extra_flags = {}});
  VmAuth gw(ManagedGatewayConfig(rw, plain));
  ApiServer api;
  auto [status, reply, raw] =
      api.Post("/api/validate",
               {{"connection", Conn(gw.url() + "/1011/rw/prometheus",
                                    {{"type", "basic"}, {"username", "m"}, {"password", "p"}})}});
  ASSERT_EQ(status, 200) << raw;
  EXPECT_EQ(reply["flavour"], "managed");
  EXPECT_EQ(reply["connection"]["tenant_id"], "1011");
  EXPECT_EQ(reply["export_route"], false);
  EXPECT_EQ(reply["export_fallback_url"], gw.url() + "/1011/prometheus");
}

TEST(VmConnectBinary, ValidateThroughTheRealServer) {
  VmSingle vm;
  ServerBinary server(testing::VmexporterBinary(), {});
  ASSERT_FALSE(server.printed_url().empty()) << server.log();
  const std::string& printed = server.printed_url();
  const size_t at = printed.find("token=");
  const std::string token = at == std::string::npos ? "" : printed.substr(at + 6);
  httplib::Client c(server.base());
  c.set_read_timeout(60, 0);
  httplib::Headers headers = {{"X-Auth-Token", token}};
  auto r = c.Post("/api/validate", headers, json{{"connection", Conn(vm.url())}}.dump(),
                  "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["flavour"], "single");
  auto bad = c.Post("/api/discover", headers, "{\"connection\": {\"url\": \"" + vm.url() + "\"}}",
                    "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("time_range is required"), std::string::npos) << bad->body;
}

}  // namespace
}  // namespace vmx
