// GET /api/export/mapping of the wizard's server, driven over HTTP against a real
// victoria-metrics: the mapping of an obfuscated export turns the bundle's pseudonyms back into
// the real names, `vmexporter reveal` reads it as downloaded, and it is refused without the token,
// for unknown jobs, for exports without obfuscation and for exports that did not complete.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "common/bundle_reader.h"
#include "domain/time_range.h"
#include "support/fault_proxy.h"
#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

constexpr const char* kStorageAddress = "10.1.2.3:8482";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The metrics.jsonl of a bundle file.
std::string MetricsOf(const std::string& bundle_path) {
  Result<std::unique_ptr<BundleReader>> reader = BundleReader::Open(bundle_path);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return "";
  std::string out;
  std::vector<char> buf(1 << 16);
  while (true) {
    Result<size_t> n = (*reader)->Read(buf);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    if (!n.ok() || *n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}

// stdout of a shell command (stderr kept apart).
std::string ShellOut(const std::string& cmd) { return RunCommand(cmd).out; }

// One real VM holding a vmstorage and a vmagent job with private addresses (an hour of samples,
// one every 15 s), and one wizard server writing bundles into its own directory.
class ExportMappingApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    vm_ = new VmSingle();
    end_ms_ = (NowMs() / 1000 - 60) * 1000;
    std::string lines;
    for (const auto& [job, ip] : std::vector<std::pair<std::string, std::string>>{
             {"prod-vmstorage", kStorageAddress}, {"prod-vmagent", "10.9.8.7:8429"}}) {
      for (const std::string name : {"vm_rows_total", "process_cpu_seconds_total"}) {
        std::string values, stamps;
        for (int i = 0; i < 240; ++i) {
          values += (i ? "," : "") + std::to_string(i);
          stamps += (i ? "," : "") + std::to_string(end_ms_ - (239 - i) * 15000);
        }
        lines += R"({"metric":{"__name__":")" + name + R"(","job":")" + job + R"(","instance":")" + ip +
                 R"("},"values":[)" + values + R"(],"timestamps":[)" + stamps + "]}\n";
      }
    }
    vm_->Import(lines);
  }
  static void TearDownTestSuite() {
    delete vm_;
    vm_ = nullptr;
  }

  void SetUp() override {
    server_ = std::make_unique<ServerBinary>(VmexporterBinary(), std::vector<std::string>{"-output", out_.path()});
  }

  // An export request for both jobs over the loaded hour, in windows of `window_s` seconds.
  nlohmann::json Config(bool obfuscate, int window_s = 1200, const std::string& url = "") const {
    return {
        {"connection", {{"url", url.empty() ? vm_->url() : url}}},
        {"time_range",
         {{"start", FormatRfc3339(end_ms_ - 3600 * 1000)}, {"end", FormatRfc3339(end_ms_ + 1000)}}},
        {"mode", "cluster"},
        {"components", {"vmstorage", "vmagent"}},
        {"jobs", {"prod-vmstorage", "prod-vmagent"}},
        {"job_components", {{"prod-vmstorage", "vmstorage"}, {"prod-vmagent", "vmagent"}}},
        {"batching",
         {{"enabled", true}, {"strategy", "custom"}, {"custom_interval_seconds", window_s}}},
        {"staging_dir", staging_.path()},
        {"obfuscation", {{"enabled", obfuscate}}}};
  }

  // POST /api/export/start; returns the job id.
  std::string Start(const nlohmann::json& config) const {
    HttpAnswer start = server_->Api("POST", "/api/export/start", config.dump());
    EXPECT_EQ(start.status, 200) << start.body;
    return nlohmann::json::parse(start.body, nullptr, false).value("job_id", "");
  }

  // Polls /api/export/status until the job leaves pending/running; returns the last status.
  nlohmann::json WaitForEnd(const std::string& id) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    nlohmann::json st;
    while (std::chrono::steady_clock::now() < deadline) {
      st = nlohmann::json::parse(server_->Api("GET", "/api/export/status?id=" + id).body, nullptr, false);
      const std::string state = st.is_object() ? st.value("state", "") : "";
      if (state != "pending" && state != "running") return st;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "export " << id << " did not end: " << st.dump();
    return st;
  }

  // Success when the job ends in `state`; otherwise the failure quotes its whole status (error).
  ::testing::AssertionResult EndsIn(const std::string& id, const std::string& state) const {
    const nlohmann::json st = WaitForEnd(id);
    if (st.is_object() && st.value("state", "") == state) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "export " << id << " ended other than " << state << ": " << st.dump();
  }

  // GET on the server with the session token, keeping the reply headers.
  httplib::Result GetWithHeaders(const std::string& path) const {
    httplib::Client client(server_->base());
    return client.Get(path.c_str(), {{"X-Auth-Token", server_->token()}});
  }

  static VmSingle* vm_;
  static int64_t end_ms_;
  TempDir out_;
  TempDir staging_;
  TempDir scratch_;
  std::unique_ptr<ServerBinary> server_;
};
VmSingle* ExportMappingApi::vm_ = nullptr;
int64_t ExportMappingApi::end_ms_ = 0;

TEST_F(ExportMappingApi, MappingTurnsTheBundlesPseudonymBackIntoTheRealAddress) {
  const std::string id = Start(Config(true));
  const nlohmann::json done = WaitForEnd(id);
  ASSERT_EQ(done.value("state", ""), "completed") << done.dump();
  const nlohmann::json& result = done["result"];
  const std::string archive_name = result.value("archive_name", "");
  ASSERT_GT(archive_name.size(), 4u);

  // The bundle as the browser downloads it.
  HttpAnswer bundle = server_->Api("GET", "/api/download?path=" + archive_name);
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  const std::string bundle_path = scratch_.path() + "/" + archive_name;
  std::ofstream(bundle_path, std::ios::binary) << bundle.body;
  const std::string metrics = MetricsOf(bundle_path);
  ASSERT_FALSE(metrics.empty());
  EXPECT_EQ(metrics.find("10.1.2.3"), std::string::npos) << "the real address leaked into the bundle";
  std::smatch m;
  ASSERT_TRUE(std::regex_search(metrics, m, std::regex(R"re("instance":"(777\.777\.1\.\d+:8482)")re")))
      << metrics.substr(0, 400);
  const std::string storage_pseudonym = m[1].str();

  httplib::Result mapping = GetWithHeaders("/api/export/mapping?id=" + id);
  ASSERT_TRUE(mapping) << httplib::to_string(mapping.error());
  ASSERT_EQ(mapping->status, 200) << mapping->body;
  const std::string base = archive_name.substr(0, archive_name.size() - 4);
  EXPECT_EQ(mapping->get_header_value("Content-Disposition"), "attachment; filename=\"" + base + ".mapping.json\"");
  EXPECT_EQ(mapping->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(mapping->get_header_value("Content-Type").rfind("application/json", 0), 0u)
      << mapping->get_header_value("Content-Type");
  const nlohmann::json map = nlohmann::json::parse(mapping->body, nullptr, false);
  ASSERT_TRUE(map.is_object()) << mapping->body.substr(0, 400);
  ASSERT_TRUE(map.contains("instances")) << map.dump();
  EXPECT_EQ(map["instances"].value(kStorageAddress, ""), storage_pseudonym) << map["instances"].dump();
  EXPECT_EQ(map["jobs"].value("prod-vmstorage", ""), "vmstorage-job-1") << map["jobs"].dump();
  EXPECT_NE(metrics.find("\"job\":\"vmstorage-job-1\""), std::string::npos);

  // Nothing but the bundle and its checksum was written on the server side.
  std::vector<std::string> written;
  for (const auto& e : std::filesystem::recursive_directory_iterator(out_.path())) {
    written.push_back(e.path().filename().string());
  }
  std::sort(written.begin(), written.end());
  EXPECT_EQ(written, (std::vector<std::string>{archive_name, archive_name + ".sha256"}));

  // `vmexporter reveal` reads the file exactly as the browser saved it.
  const std::string map_path = scratch_.path() + "/" + base + ".mapping.json";
  std::ofstream(map_path) << mapping->body;
  EXPECT_EQ(ShellOut(VmexporterBinary() + " reveal -mapping=" + map_path + " 'vmstorage-job-1 at " +
                     storage_pseudonym + " is slow'"),
            std::string("prod-vmstorage at ") + kStorageAddress + " is slow\n");
}

TEST_F(ExportMappingApi, WithoutTheSessionTokenIs401) {
  const std::string id = Start(Config(true));
  ASSERT_TRUE(EndsIn(id, "completed"));
  HttpAnswer anonymous = HttpCall("GET", server_->base() + "/api/export/mapping?id=" + id);
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_EQ(anonymous.body.find(kStorageAddress), std::string::npos);
  HttpAnswer wrong = HttpCall("GET", server_->base() + "/api/export/mapping?id=" + id, "", "", "", "",
                              {{"X-Auth-Token", std::string(64, 'a')}});
  EXPECT_EQ(wrong.status, 401) << wrong.body;
}

TEST_F(ExportMappingApi, UnknownJobIs404NamingTheId) {
  HttpAnswer a = server_->Api("GET", "/api/export/mapping?id=0123abcd9999");
  EXPECT_EQ(a.status, 404) << a.body;
  EXPECT_NE(nlohmann::json::parse(a.body, nullptr, false).value("error", "").find("0123abcd9999"), std::string::npos)
      << a.body;
  HttpAnswer no_id = server_->Api("GET", "/api/export/mapping");
  EXPECT_EQ(no_id.status, 400) << no_id.body;
}

TEST_F(ExportMappingApi, ExportWithoutObfuscationHasNoMappingIs409) {
  const std::string id = Start(Config(false));
  ASSERT_TRUE(EndsIn(id, "completed"));
  HttpAnswer a = server_->Api("GET", "/api/export/mapping?id=" + id);
  EXPECT_EQ(a.status, 409) << a.body;
  EXPECT_EQ(nlohmann::json::parse(a.body, nullptr, false).value("error", ""),
            "this export was not obfuscated: there is no mapping")
      << a.body;
  EXPECT_EQ(a.body.find(kStorageAddress), std::string::npos);
}

TEST_F(ExportMappingApi, CanceledExportIs409NamingTheStateUntilResumedToCompletion) {
  // Every window waits at the proxy's gate until the cancel is in: the export cannot complete.
  FaultProxy proxy(vm_->port());
  proxy.CloseGateAfter(0);
  const std::string id = Start(Config(true, 60, proxy.url()));
  ASSERT_TRUE(proxy.WaitUntilHeld(1));
  HttpAnswer cancel = server_->Api("POST", "/api/export/cancel", nlohmann::json{{"job_id", id}}.dump());
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  proxy.OpenGate();
  ASSERT_TRUE(EndsIn(id, "canceled"));
  HttpAnswer a = server_->Api("GET", "/api/export/mapping?id=" + id);
  EXPECT_EQ(a.status, 409) << a.body;
  const std::string error = nlohmann::json::parse(a.body, nullptr, false).value("error", "");
  EXPECT_NE(error.find("canceled"), std::string::npos) << a.body;
  EXPECT_NE(error.find(id), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find(kStorageAddress), std::string::npos);

  HttpAnswer resume = server_->Api("POST", "/api/export/resume", nlohmann::json{{"job_id", id}}.dump());
  ASSERT_EQ(resume.status, 200) << resume.body;
  ASSERT_TRUE(EndsIn(id, "completed"));
  HttpAnswer after = server_->Api("GET", "/api/export/mapping?id=" + id);
  EXPECT_EQ(after.status, 200) << after.body;
  EXPECT_NE(after.body.find(kStorageAddress), std::string::npos) << after.body.substr(0, 400);
}

}  // namespace
}  // namespace vmx::testing
