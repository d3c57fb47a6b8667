// The overview's query batch (POST /api/view/batch of `vmimport view`) on the real binary
// against a real VictoriaMetrics (-url): every query is answered in the order asked with
// VictoriaMetrics' own answer, a bad query fails alone with VictoriaMetrics' error, a malformed
// batch is refused as a whole. And the local server answers plain to a browser that accepts
// brotli: httplib compressed every answer at brotli quality 11 (1.6 s of CPU per overview).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

int64_t NowS() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Two series of 20 samples each (one per instance), ending 2 minutes ago.
std::string Lines(int64_t end_s) {
  std::string out;
  for (int i = 0; i < 2; ++i) {
    std::string v;
    std::string t;
    for (int k = 0; k < 20; ++k) {
      v += fmt::format("{}{}", k ? "," : "", 10 * i + k);
      t += fmt::format("{}{}", k ? "," : "", (end_s - 15 * (19 - k)) * 1000);
    }
    out += fmt::format(
        R"({{"metric":{{"__name__":"batch_m","job":"b","instance":"i{}"}},"values":[{}],"timestamps":[{}]}})"
        "\n",
        i, v, t);
  }
  return out;
}

nlohmann::json Batch(const ServerBinary& app, const nlohmann::json& queries, int* status) {
  HttpAnswer a = app.Api("POST", "/api/view/batch", nlohmann::json{{"queries", queries}}.dump());
  *status = a.status;
  return nlohmann::json::parse(a.body, nullptr, false);
}

TEST(ViewQueryBatch, AnswersEveryQueryInOrderAndABadOneAlone) {
  VmSingle vm;
  const int64_t end = NowS() - 120;
  vm.Import(Lines(end));
  ServerBinary app(VmimportBinary(), {"view", "-url=" + vm.url()});

  const nlohmann::json range = {
      {"start", end - 300}, {"end", std::to_string(end)}, {"step", "15s"}};
  nlohmann::json instant_params = {{"query", "count(batch_m)"}, {"time", end}};
  nlohmann::json range_params = range;
  range_params["query"] = "batch_m";
  nlohmann::json bad_params = range;
  bad_params["query"] = "rate(batch_m[";
  int status = 0;
  nlohmann::json answer = Batch(app,
                                {{{"route", "query"}, {"params", instant_params}},
                                 {{"route", "query_range"}, {"params", bad_params}},
                                 {{"route", "query_range"}, {"params", range_params}}},
                                &status);
  ASSERT_EQ(status, 200) << answer;
  const nlohmann::json& results = answer["results"];
  ASSERT_EQ(results.size(), 3u) << answer;

  EXPECT_EQ(results[0]["status"], 200) << results[0];
  EXPECT_EQ(results[0]["body"]["data"]["result"][0]["value"][1], "2") << results[0];

  // VictoriaMetrics' own refusal, for this query only.
  EXPECT_GE(results[1]["status"].get<int>(), 400) << results[1];
  EXPECT_EQ(results[1]["body"]["status"], "error") << results[1];
  EXPECT_NE(results[1]["body"]["error"].get<std::string>().find("rate(batch_m["), std::string::npos)
      << results[1];

  EXPECT_EQ(results[2]["status"], 200) << results[2];
  const nlohmann::json& series = results[2]["body"]["data"]["result"];
  ASSERT_EQ(series.size(), 2u) << results[2];
  EXPECT_EQ(series[0]["values"].size(), 20u) << series[0];
}

TEST(ViewQueryBatch, RefusesAMalformedBatchAsAWhole) {
  VmSingle vm;
  ServerBinary app(VmimportBinary(), {"view", "-url=" + vm.url()});
  int status = 0;
  nlohmann::json answer = Batch(app, nlohmann::json::array(), &status);
  EXPECT_EQ(status, 400) << answer;
  EXPECT_NE(answer["error"].get<std::string>().find("1 to 200 queries"), std::string::npos)
      << answer;

  answer =
      Batch(app, {{{"route", "export"}, {"params", {{"match[]", "{__name__!=\"\"}"}}}}}, &status);
  EXPECT_EQ(status, 400) << answer;
  EXPECT_NE(answer["error"].get<std::string>().find("no known \"route\""), std::string::npos)
      << answer;

  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < 201; ++i) many.push_back({{"route", "query"}, {"params", {{"query", "1"}}}});
  answer = Batch(app, many, &status);
  EXPECT_EQ(status, 400) << answer;
}

TEST(ViewQueryBatch, AnswersPlainToABrowserThatAcceptsBrotli) {
  VmSingle vm;
  ServerBinary app(VmimportBinary(), {"view", "-url=" + vm.url()});
  httplib::Client cli(app.base());
  const httplib::Headers headers = {{"X-Auth-Token", app.token()},
                                    {"Accept-Encoding", "gzip, deflate, br"}};
  for (const char* path : {"/overview.html", "/vendor/uPlot.iife.min.js", "/api/view"}) {
    httplib::Result r = cli.Get(path, headers);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_FALSE(r->has_header("Content-Encoding"))
        << path << ": " << r->get_header_value("Content-Encoding");
  }
}

}  // namespace
}  // namespace vmx::testing
