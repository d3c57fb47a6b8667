// Discovery of a real single node scraping itself, as Debian's victoria-metrics is set up: job
// "victoria-metrics", an empty version label, and the embedded scraper's vm_promscrape_* names
// beside the storage ones. /api/discover must call it vmsingle, not vmagent.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "domain/time_range.h"
#include "server/discovery_api.h"
#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

using nlohmann::json;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// victoria-metrics with -promscrape.config scraping its own /metrics every second.
class SelfScrapingSingleNode {
 public:
  SelfScrapingSingleNode() : port_(FreePort()) {
    const std::string config = dir_.path() + "/scrape.yml";
    std::ofstream(config)
        << "global: {scrape_interval: 1s}\n"
           "scrape_configs:\n"
           "  - {job_name: victoria-metrics, static_configs: [{targets: ['127.0.0.1:"
        << port_ << "']}]}\n";
    proc_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            "/usr/bin/victoria-metrics", "-storageDataPath=" + dir_.path() + "/data",
            "-httpListenAddr=127.0.0.1:" + std::to_string(port_), "-promscrape.config=" + config,
            "-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=ERROR"},
        dir_.path() + "/vm.log");
    WaitForHttp(url() + "/health");
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<ChildProcess> proc_;
};

TEST(DiscoverySelfScrape, DebianSingleNodeScrapingItselfIsVmsingle) {
  SelfScrapingSingleNode vm;
  const int64_t start_ms = NowMs() - 60'000;
  // Wait until a scrape is searchable: storage gauges and scraper metrics of the job.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  json names;
  while (std::chrono::steady_clock::now() < deadline) {
    const HttpAnswer a =
        HttpCall("GET", vm.url() + "/api/v1/label/__name__/values?match[]=" +
                            httplib::detail::encode_query_param(R"({job="victoria-metrics"})"));
    names = json::parse(a.body, nullptr, false);
    const std::string text = names.dump();
    if (text.find("\"vm_rows\"") != std::string::npos &&
        text.find("vm_promscrape_") != std::string::npos &&
        text.find("\"vm_app_version\"") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSERT_NE(names.dump().find("vm_promscrape_scrapes_total"), std::string::npos)
      << names.dump().substr(0, 500);
  // The premise: Debian's build leaves the version label empty, so the version cannot decide.
  const json version = json::parse(
      HttpCall("GET",
               vm.url() + "/api/v1/series?match[]=" +
                   httplib::detail::encode_query_param(R"(vm_app_version{job="victoria-metrics"})"))
          .body,
      nullptr, false);
  ASSERT_FALSE(version["data"].empty()) << version.dump();
  EXPECT_EQ(version["data"][0].value("version", ""), "") << version.dump();

  httplib::Server server;
  RegisterDiscoveryApi(server);
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread listener([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(60, 0);
  const json request = {
      {"connection", {{"url", vm.url()}, {"auth", {{"type", "none"}}}}},
      {"time_range", {{"start", FormatRfc3339(start_ms)}, {"end", FormatRfc3339(NowMs() + 1000)}}}};
  httplib::Result r = client.Post("/api/discover", request.dump(), "application/json");
  httplib::Result validated = client.Post(
      "/api/validate", json{{"connection", request["connection"]}}.dump(), "application/json");
  server.stop();
  listener.join();
  // /api/validate sees the same: a single node whose one component is itself, with the version
  // VictoriaMetrics gives (Debian's build: none, neither in buildinfo nor in vm_app_version).
  ASSERT_TRUE(validated) << httplib::to_string(validated.error());
  ASSERT_EQ(validated->status, 200) << validated->body;
  const json v = json::parse(validated->body);
  EXPECT_EQ(v["flavour"], "single") << validated->body;
  EXPECT_EQ(v["version"], "") << validated->body;
  EXPECT_EQ(v["versions"], json({{"vmsingle", ""}})) << validated->body;
  // vmgather's contract: `vm_components` names what was found, ours per component are under
  // `detected_components`. (`components` and `instance_count` count the instances that reported a
  // version in the look-back, 0 or 1 here depending on the scrape's timing: not asserted.)
  EXPECT_EQ(v["vm_components"], json::array({"vmsingle"})) << validated->body;
  ASSERT_EQ(v["detected_components"].size(), 1u) << validated->body;
  EXPECT_EQ(v["detected_components"][0]["component"], "vmsingle") << validated->body;
  EXPECT_EQ(v["detected_components"][0]["jobs"], json::array({"victoria-metrics"}))
      << validated->body;
  EXPECT_EQ(v["export_route"], true) << validated->body;
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  ASSERT_EQ(r->status, 200) << r->body;
  const json reply = json::parse(r->body);
  std::vector<std::string> components;
  for (const json& c : reply["components"]) {
    components.push_back(c.value("component", ""));
    if (c.value("component", "") == "vmsingle") {
      EXPECT_EQ(c["jobs"], json::array({"victoria-metrics"})) << r->body;
    }
  }
  EXPECT_EQ(components, std::vector<std::string>{"vmsingle"}) << r->body;
}

}  // namespace
}  // namespace vmx::testing
