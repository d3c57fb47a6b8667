// The export engine against a real victoria-metrics: multi-window exports hold exactly what VM
// holds (no gaps, no duplicate boundary samples), the metric step keeps the last sample per
// bucket, cancel + resume equals an uninterrupted run, a VM killed mid-export is survived, and
// the bundle opens with unzip/zipfile, matches its checksums and re-imports with plain curl.
// Faults a real VM cannot produce (429, reset mid-stream, missing export route) come from an
// in-process proxy in front of the real VM.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "application/export/export_service.h"
#include "server/export_api.h"
#include "support/vm_harness.h"

namespace vmx {
namespace {

using testing::HttpAnswer;
using testing::HttpCall;
using testing::ServerBinary;
using testing::VmexporterBinary;
using testing::TempDir;
using testing::VmSingle;

constexpr int64_t kSampleEveryMs = 15'000;
constexpr int kSamplesPerSeries = 480;  // 2 hours

// An aligned hour four hours ago: inside retention, never in the future.
UnixMillis DataStart() { return (NowMillis() / 3'600'000 - 4) * 3'600'000; }

// 36 series of three jobs with private addresses in their labels.
std::string GenerateData(UnixMillis t0) {
  std::string out;
  const std::vector<std::pair<std::string, std::string>> targets = {
      {"storage-prod", "10.0.0.1:8482"}, {"storage-prod", "10.0.0.2:8482"},
      {"agent-prod", "10.0.1.5:8429"}, {"select-prod", "db-7.corp.example:8481"}};
  for (const auto& [job, instance] : targets) {
    for (int m = 0; m < 9; ++m) {
      nlohmann::json line;
      line["metric"] = {{"__name__", "vm_test_metric_" + std::to_string(m)}, {"job", job}, {"instance", instance}};
      std::string values = "[", ts = "[";
      for (int i = 0; i < kSamplesPerSeries; ++i) {
        if (i > 0) {
          values += ',';
          ts += ',';
        }
        values += m == 0 ? std::to_string(123456789012345LL + i) : std::to_string(i * (m + 1)) + ".5";
        ts += std::to_string(t0 + i * kSampleEveryMs);
      }
      out += "{\"metric\":" + line["metric"].dump() + ",\"values\":" + values + "],\"timestamps\":" + ts + "]}\n";
    }
  }
  return out;
}

std::string Shell(const std::string& cmd, int* rc = nullptr) {
  const testing::CommandRun r = testing::RunCommand(cmd);
  if (rc != nullptr) *rc = r.code;
  return r.out;
}

// series (metric JSON) -> timestamp -> value; counts duplicate (series, timestamp) pairs.
struct Samples {
  std::map<std::string, std::map<int64_t, nlohmann::json>> series;
  size_t duplicates = 0;
  size_t total = 0;
};

Samples ParseSamples(const std::string& jsonl) {
  Samples s;
  std::istringstream in(jsonl);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json j = nlohmann::json::parse(line);
    auto& points = s.series[j["metric"].dump()];
    for (size_t i = 0; i < j["timestamps"].size(); ++i) {
      if (!points.emplace(j["timestamps"][i].get<int64_t>(), j["values"][i]).second) ++s.duplicates;
      ++s.total;
    }
  }
  return s;
}

// What VM itself exports for [start, end).
Samples VmOwnExport(const VmSingle& vm, const std::string& match, const TimeRange& r) {
  const HttpAnswer a = HttpCall("POST", vm.url() + "/api/v1/export",
                                "match[]=" + httplib::detail::encode_query_param(match) +
                                    "&start=" + std::to_string(r.start_ms / 1000.0) +
                                    "&end=" + std::to_string((r.end_ms - 1) / 1000.0),
                                "application/x-www-form-urlencoded");
  EXPECT_EQ(a.status, 200) << a.body;
  return ParseSamples(a.body);
}

std::string BundleEntry(const std::string& zip, const std::string& entry) {
  return Shell("unzip -p '" + zip + "' " + entry);
}

// An in-process HTTP proxy in front of a real VM that injects faults into /api/v1/export.
class FaultProxy {
 public:
  explicit FaultProxy(int upstream_port) : upstream_port_(upstream_port) {
    server_.Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
    server_.Get(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~FaultProxy() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::atomic<int> answer_429{0};          // the next N export requests get 429
  std::atomic<int> answer_503_after{-1};   // export requests after the first N get 503 (-1: never)
  std::atomic<int> reset_midstream{0};     // the next N export answers break off halfway
  std::atomic<int> delay_ms{0};            // every export request waits this long first
  std::atomic<bool> no_export_route{false};
  std::atomic<int> export_requests{0};

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    const bool is_export = req.path.find("/api/v1/export") != std::string::npos;
    if (is_export) {
      ++export_requests;
      if (no_export_route) {
        res.status = 404;
        res.set_content("missing route for \"/api/v1/export\"", "text/plain");
        return;
      }
      if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
      if (answer_503_after >= 0 && export_requests > answer_503_after) {
        res.status = 503;
        res.set_content("service unavailable: storage nodes are restarting", "text/plain");
        return;
      }
      if (answer_429 > 0) {
        --answer_429;
        res.status = 429;
        res.set_content("too many requests, slow down", "text/plain");
        return;
      }
    }
    httplib::Client upstream("127.0.0.1", upstream_port_);
    upstream.set_read_timeout(60);
    std::string path = req.path;
    if (!req.params.empty()) path += "?" + httplib::detail::params_to_query_str(req.params);
    httplib::Result r = req.method == "POST"
                            ? upstream.Post(path, req.body, req.get_header_value("Content-Type"))
                            : upstream.Get(path);
    if (!r) {
      res.status = 502;
      res.set_content("upstream unreachable", "text/plain");
      return;
    }
    if (is_export && reset_midstream > 0 && r->body.size() > 1000) {
      --reset_midstream;
      auto body = std::make_shared<std::string>(r->body.substr(0, r->body.size() / 2));
      res.set_chunked_content_provider("application/stream+json", [body](size_t, httplib::DataSink& sink) {
        sink.write(body->data(), body->size());
        return false;  // drop the connection without finishing the chunked body
      });
      return;
    }
    res.status = r->status;
    res.set_content(r->body, r->get_header_value("Content-Type"));
  }

  int upstream_port_;
  int port_ = 0;
  httplib::Server server_;
  std::thread thread_;
};

class ExportEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    t0_ = DataStart();
    vm_.Import(GenerateData(t0_));
    // Unaligned ends; boundaries of the 600 s windows fall exactly on sample timestamps.
    range_ = {t0_ + 7'000, t0_ + kSamplesPerSeries * kSampleEveryMs - 3'000};
  }

  nlohmann::json ConfigJson(const std::string& url) const {
    return {{"connection", {{"url", url}}},
            {"time_range", {{"start", FormatRfc3339(range_.start_ms)}, {"end", FormatRfc3339(range_.end_ms)}}},
            {"mode", "cluster"},
            {"components", {"vmstorage", "vmagent", "vmselect"}},
            {"jobs", {"storage-prod", "agent-prod", "select-prod"}},
            {"batching", {{"enabled", true}, {"strategy", "custom"}, {"custom_interval_seconds", 600}}},
            {"staging_dir", staging_.path()},
            {"obfuscation", {{"enabled", false}}}};
  }

  ExportConfig Config(const nlohmann::json& j) const {
    Result<ExportConfig> c = ExportConfigFromJson(j);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return *c;
  }

  std::unique_ptr<ExportService> Service(int parallelism = 2) const {
    ExportServiceOptions o;
    o.output_dir = out_.path();
    o.job.parallelism = parallelism;
    o.job.retry.first_backoff = std::chrono::milliseconds(200);
    o.job.retry.max_backoff = std::chrono::milliseconds(2000);
    o.job.retry.attempts = 8;
    return std::make_unique<ExportService>(o);
  }

  // One window at a time, giving up after `attempts` with a fixed short backoff.
  ExportServiceOptions GivingUpAfter(int attempts, int backoff_ms) const {
    ExportServiceOptions o;
    o.output_dir = out_.path();
    o.job.parallelism = 1;
    o.job.retry = {.attempts = attempts,
                   .first_backoff = std::chrono::milliseconds(backoff_ms),
                   .max_backoff = std::chrono::milliseconds(2 * backoff_ms)};
    return o;
  }

  static ExportResult RunToCompletion(ExportService& service, const ExportConfig& config) {
    Result<std::shared_ptr<ExportJob>> job = service.Start(config);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    if (!job.ok()) return {};
    (*job)->Wait();
    EXPECT_EQ((*job)->state(), ExportJobState::kCompleted) << (*job)->StatusJson().dump();
    return (*job)->result().value_or(ExportResult{});
  }

  static const std::string& kMatch() {
    static const std::string m = R"({job=~"storage-prod|agent-prod|select-prod"})";
    return m;
  }

  VmSingle vm_;
  TempDir out_, staging_;
  UnixMillis t0_ = 0;
  TimeRange range_;
};

TEST_F(ExportEngine, MultiWindowExportHoldsExactlyTheSamplesVmHolds) {
  auto service = Service();
  const ExportResult r = RunToCompletion(*service, Config(ConfigJson(vm_.url())));
  ASSERT_FALSE(r.archive_path.empty());
  const Samples ours = ParseSamples(BundleEntry(r.archive_path, "metrics.jsonl"));
  const Samples theirs = VmOwnExport(vm_, kMatch(), range_);
  EXPECT_EQ(ours.duplicates, 0u) << "a boundary sample was exported twice";
  EXPECT_EQ(theirs.duplicates, 0u);
  EXPECT_EQ(theirs.series.size(), 36u);
  // Every sample in [start, end): 480 minus the first (t0 < start) per series.
  EXPECT_EQ(theirs.total, 36u * (kSamplesPerSeries - 1));
  EXPECT_EQ(ours.total, theirs.total);
  EXPECT_TRUE(ours.series == theirs.series) << "the bundle differs from what VM holds";
  EXPECT_EQ(r.samples_exported, theirs.total);
  EXPECT_FALSE(std::filesystem::exists(staging_.path() + "/" + r.export_id)) << "staging must go after success";
  EXPECT_EQ(r.archive_name.rfind("vmexport_" + r.export_id + "_", 0), 0u) << r.archive_name;
}

TEST_F(ExportEngine, BundleOpensVerifiesAndReimportsWithPlainCurl) {
  auto service = Service();
  nlohmann::json j = ConfigJson(vm_.url());
  j["obfuscation"] = {{"enabled", true}};
  const ExportResult r = RunToCompletion(*service, Config(j));
  ASSERT_FALSE(r.archive_path.empty());
  int rc = -1;
  Shell("unzip -tq '" + r.archive_path + "'", &rc);
  EXPECT_EQ(rc, 0);
  const std::string names = Shell("python3 -c \"import zipfile; z=zipfile.ZipFile('" + r.archive_path +
                                  "'); assert z.testzip() is None; print(sorted(z.namelist()))\"");
  EXPECT_EQ(names, "['README.txt', 'metadata.json', 'metrics.jsonl']\n");
  const std::string dir = std::filesystem::path(r.archive_path).parent_path().string();
  EXPECT_EQ(Shell("cd '" + dir + "' && sha256sum -c '" + r.archive_name + ".sha256'"), r.archive_name + ": OK\n");
  EXPECT_EQ(Shell("sha256sum '" + r.archive_path + "' | cut -d' ' -f1"), r.sha256 + "\n");

  const std::string metrics = BundleEntry(r.archive_path, "metrics.jsonl");
  const nlohmann::json meta = nlohmann::json::parse(BundleEntry(r.archive_path, "metadata.json"));
  EXPECT_EQ(meta["sha256"]["metrics.jsonl"], Shell("unzip -p '" + r.archive_path + "' metrics.jsonl | sha256sum | cut -d' ' -f1").substr(0, 64));
  EXPECT_EQ(meta["export_id"], r.export_id);
  EXPECT_EQ(meta["obfuscated"], true);
  EXPECT_EQ(meta["metrics_count"], 36);
  for (const char* secret : {"10.0.0.1", "10.0.1.5", "storage-prod", "agent-prod", "db-7.corp"}) {
    EXPECT_EQ(metrics.find(secret), std::string::npos) << secret;
    EXPECT_EQ(meta.dump().find(secret), std::string::npos) << secret;
    EXPECT_EQ(BundleEntry(r.archive_path, "README.txt").find(secret), std::string::npos) << secret;
  }
  ASSERT_EQ(meta["jobs"].size(), 3u) << meta.dump();

  VmSingle fresh;
  const std::string file = out_.path() + "/metrics.jsonl";
  Shell("unzip -p '" + r.archive_path + "' metrics.jsonl > '" + file + "'");
  Shell("curl -s --data-binary @'" + file + "' " + fresh.url() + "/api/v1/import", &rc);
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(HttpCall("GET", fresh.url() + "/internal/force_flush").status, 200);
  const Samples reimported = VmOwnExport(fresh, R"({__name__=~"vm_test_metric_.*"})", range_);
  EXPECT_EQ(reimported.total, 36u * (kSamplesPerSeries - 1));
  EXPECT_EQ(reimported.series.size(), 36u);
}

TEST_F(ExportEngine, MetricStepKeepsTheLastSampleOfEachBucket) {
  auto service = Service();
  nlohmann::json j = ConfigJson(vm_.url());
  j["metric_step_seconds"] = 60;
  j["batching"]["custom_interval_seconds"] = 750;  // not a multiple of the step: the planner aligns
  const ExportResult r = RunToCompletion(*service, Config(j));
  const Samples ours = ParseSamples(BundleEntry(r.archive_path, "metrics.jsonl"));
  const Samples raw = VmOwnExport(vm_, kMatch(), range_);
  ASSERT_EQ(ours.series.size(), raw.series.size());
  size_t expected_total = 0;
  for (const auto& [metric, points] : raw.series) {
    std::map<int64_t, std::pair<int64_t, nlohmann::json>> last_per_bucket;
    for (const auto& [ts, v] : points) last_per_bucket[ts / 60'000] = {ts, v};
    std::map<int64_t, nlohmann::json> expected;
    for (const auto& [bucket, p] : last_per_bucket) expected[p.first] = p.second;
    expected_total += expected.size();
    EXPECT_TRUE(ours.series.at(metric) == expected) << metric;
  }
  EXPECT_EQ(ours.total, expected_total);
  EXPECT_EQ(ours.duplicates, 0u);
  EXPECT_LT(ours.total, raw.total / 3);
}

TEST_F(ExportEngine, CancelAndResumeGiveTheSameBundleContentAsOneRun) {
  FaultProxy proxy(vm_.port());
  nlohmann::json j = ConfigJson(proxy.url());
  j["obfuscation"] = {{"enabled", true}, {"custom_labels", {"instance"}}};
  auto service = Service(1);
  const ExportResult whole = RunToCompletion(*service, Config(j));

  proxy.delay_ms = 250;  // 12 windows, one at a time: ~3 s, time enough to cancel
  Result<std::shared_ptr<ExportJob>> job = service->Start(Config(j));
  ASSERT_TRUE(job.ok());
  for (int i = 0; i < 200 && (*job)->StatusJson()["completed_batches"].get<int>() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE((*job)->Cancel().ok());
  (*job)->Wait();
  ASSERT_EQ((*job)->state(), ExportJobState::kCanceled);
  const nlohmann::json canceled = (*job)->StatusJson();
  EXPECT_GE(canceled["completed_batches"].get<int>(), 3);
  EXPECT_LT(canceled["completed_batches"].get<int>(), canceled["total_batches"].get<int>());
  EXPECT_FALSE((*job)->Cancel().ok()) << "a canceled job cannot be canceled again";
  const int requests_before_resume = proxy.export_requests;
  proxy.delay_ms = 0;
  ASSERT_TRUE((*job)->Resume().ok());
  (*job)->Wait();
  ASSERT_EQ((*job)->state(), ExportJobState::kCompleted) << (*job)->StatusJson().dump();
  EXPECT_LE(proxy.export_requests - requests_before_resume,
            canceled["total_batches"].get<int>() - canceled["completed_batches"].get<int>())
      << "resume must fetch only the windows that were not completed";

  const Samples a = ParseSamples(BundleEntry(whole.archive_path, "metrics.jsonl"));
  const Samples b = ParseSamples(BundleEntry((*job)->result()->archive_path, "metrics.jsonl"));
  EXPECT_EQ(b.duplicates, 0u);
  EXPECT_EQ(a.total, 36u * (kSamplesPerSeries - 1));
  EXPECT_TRUE(a.series == b.series) << "same pseudonyms, same samples";
  EXPECT_EQ((*job)->result()->samples_exported, a.total);
}

TEST_F(ExportEngine, SurvivesVmKilledAndRestartedMidExport) {
  // A graceful restart first makes the imported data durable, so the crash below loses none.
  vm_.Stop();
  vm_.Start();
  FaultProxy proxy(vm_.port());
  proxy.delay_ms = 150;
  auto service = Service(1);
  Result<std::shared_ptr<ExportJob>> job = service->Start(Config(ConfigJson(proxy.url())));
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  for (int i = 0; i < 300 && (*job)->StatusJson()["completed_batches"].get<int>() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  vm_.Kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  vm_.Start();
  (*job)->Wait();
  ASSERT_EQ((*job)->state(), ExportJobState::kCompleted) << (*job)->StatusJson().dump();
  const Samples ours = ParseSamples(BundleEntry((*job)->result()->archive_path, "metrics.jsonl"));
  EXPECT_EQ(ours.duplicates, 0u);
  EXPECT_EQ(ours.total, 36u * (kSamplesPerSeries - 1));
}

// A query VictoriaMetrics refuses fails the same way on every attempt: the job says it cannot be
// resumed (the page then offers "Start over", not "Resume"); an outage can be.
TEST_F(ExportEngine, OnlyFailuresThatCanPassAreOfferedForResume) {
  nlohmann::json j = ConfigJson(vm_.url());
  j["mode"] = "custom";
  j["query"] = R"({job=="storage-prod"})";
  j["jobs"] = nlohmann::json::array();
  auto service = Service(1);
  Result<std::shared_ptr<ExportJob>> refused = service->Start(Config(j));
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  (*refused)->Wait();
  const nlohmann::json bad = (*refused)->StatusJson();
  ASSERT_EQ(bad["state"], "failed") << bad.dump();
  EXPECT_FALSE(bad["resumable"].get<bool>()) << bad.dump();

  FaultProxy proxy(vm_.port());
  proxy.answer_503_after = 0;
  ExportService outage(GivingUpAfter(2, 50));
  Result<std::shared_ptr<ExportJob>> down = outage.Start(Config(ConfigJson(proxy.url())));
  ASSERT_TRUE(down.ok()) << down.status().ToString();
  (*down)->Wait();
  const nlohmann::json failed = (*down)->StatusJson();
  ASSERT_EQ(failed["state"], "failed") << failed.dump();
  EXPECT_TRUE(failed["resumable"].get<bool>()) << failed.dump();
}

TEST_F(ExportEngine, RetriesAfter429AndAfterAStreamBrokenOffMidway) {
  FaultProxy proxy(vm_.port());
  proxy.answer_429 = 2;
  proxy.reset_midstream = 2;
  auto service = Service();
  const ExportResult r = RunToCompletion(*service, Config(ConfigJson(proxy.url())));
  const Samples ours = ParseSamples(BundleEntry(r.archive_path, "metrics.jsonl"));
  EXPECT_EQ(proxy.answer_429, 0);
  EXPECT_EQ(proxy.reset_midstream, 0);
  EXPECT_EQ(ours.duplicates, 0u) << "a retried window must not keep the rows of the broken attempt";
  EXPECT_EQ(ours.total, 36u * (kSamplesPerSeries - 1));
}

// VictoriaMetrics answering 5xx for good: each window is retried with backoff, then the job fails
// with an error that names the window and the answer, and the completed windows stay staged.
TEST_F(ExportEngine, PersistentServerErrorsFailClearlyAndKeepCompletedWindows) {
  FaultProxy proxy(vm_.port());
  proxy.answer_503_after = 3;
  ExportService service(GivingUpAfter(3, 100));
  Result<std::shared_ptr<ExportJob>> job = service.Start(Config(ConfigJson(proxy.url())));
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  (*job)->Wait();
  ASSERT_EQ((*job)->state(), ExportJobState::kFailed);
  const nlohmann::json st = (*job)->StatusJson();
  const std::string error = st["error"];
  EXPECT_NE(error.find("cannot export window"), std::string::npos) << error;
  EXPECT_NE(error.find("503"), std::string::npos) << error;
  EXPECT_NE(error.find("gave up after 3 attempts"), std::string::npos) << error;
  EXPECT_EQ(proxy.export_requests, 3 + 3) << "3 windows, then one window tried 3 times";
  EXPECT_EQ(st["completed_batches"], 3);
  const std::string staged = st["staging_path"];
  size_t pieces = 0;
  for (const auto& f : std::filesystem::directory_iterator(staged)) {
    EXPECT_NE(f.path().extension(), ".part") << "no half-written window: " << f.path();
    pieces += f.path().extension() == ".deflate";
  }
  EXPECT_EQ(pieces, 3u) << "completed windows are kept for a resume";
  EXPECT_TRUE(std::filesystem::is_empty(out_.path())) << "no bundle from a failed export";
}

TEST_F(ExportEngine, FallsBackToQueryRangeWhenTheExportRouteIsMissing) {
  FaultProxy proxy(vm_.port());
  proxy.no_export_route = true;
  auto service = Service();
  nlohmann::json j = ConfigJson(proxy.url());
  j["metric_step_seconds"] = 60;
  Result<std::shared_ptr<ExportJob>> job = service->Start(Config(j));
  ASSERT_TRUE(job.ok());
  (*job)->Wait();
  ASSERT_EQ((*job)->state(), ExportJobState::kCompleted) << (*job)->StatusJson().dump();
  EXPECT_NE((*job)->StatusJson()["source"].get<std::string>().find("query_range"), std::string::npos);
  EXPECT_LE(proxy.export_requests, 2) << "the missing route is remembered for the rest of the job (2 workers)";
  const Samples ours = ParseSamples(BundleEntry((*job)->result()->archive_path, "metrics.jsonl"));
  EXPECT_EQ(ours.duplicates, 0u);
  EXPECT_EQ(ours.series.size(), 36u);
  // One point per minute of the range per series.
  EXPECT_NEAR(static_cast<double>(ours.total) / 36, range_.duration_ms() / 60'000.0, 2.0);
}

TEST_F(ExportEngine, RestApiStartsReportsAndServesOnlyItsOwnBundles) {
  httplib::Server server;
  auto service = std::shared_ptr<ExportService>(Service().release());
  RegisterExportApi(server, service);
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);

  HttpAnswer start = HttpCall("POST", base + "/api/export/start", ConfigJson(vm_.url()).dump(), "application/json");
  ASSERT_EQ(start.status, 200) << start.body;
  const nlohmann::json s = nlohmann::json::parse(start.body);
  for (const char* k : {"job_id", "state", "total_batches", "batch_window_seconds", "staging_path", "obfuscation_enabled"}) {
    EXPECT_TRUE(s.contains(k)) << k;
  }
  EXPECT_EQ(s["total_batches"], 12);
  EXPECT_EQ(s["batch_window_seconds"], 600);
  nlohmann::json st;
  for (int i = 0; i < 500; ++i) {
    st = nlohmann::json::parse(HttpCall("GET", base + "/api/export/status?id=" + s["job_id"].get<std::string>()).body);
    if (st["state"] != "running" && st["state"] != "pending") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(st["state"], "completed") << st.dump();
  EXPECT_EQ(st["progress"], 1.0);
  EXPECT_EQ(st["completed_batches"], st["total_batches"]);
  for (const char* k : {"export_id", "archive_path", "archive_name", "archive_size_bytes", "metrics_exported", "sha256",
                        "time_range", "obfuscation_applied"}) {
    EXPECT_TRUE(st["result"].contains(k)) << k;
  }
  EXPECT_EQ(st["metrics_processed"], 36 * 12);
  EXPECT_EQ(st["samples_processed"], st["result"]["samples_exported"]);
  EXPECT_GT(st["samples_processed"].get<uint64_t>(), 0u);

  HttpAnswer dl = HttpCall("GET", base + "/api/download?path=" +
                                      httplib::detail::encode_query_param(st["result"]["archive_path"].get<std::string>()));
  ASSERT_EQ(dl.status, 200);
  EXPECT_EQ(dl.body.size(), st["result"]["archive_size_bytes"].get<size_t>());
  EXPECT_EQ(dl.body.substr(0, 2), "PK");
  EXPECT_EQ(HttpCall("GET", base + "/api/download?path=/etc/passwd").status, 404);
  EXPECT_EQ(HttpCall("GET", base + "/api/export/status?id=nope").status, 404);
  EXPECT_EQ(HttpCall("POST", base + "/api/export/resume", R"({"job_id":")" + s["job_id"].get<std::string>() + "\"}",
                     "application/json").status, 409);

  // Cluster mode without jobs means every job of the components (vmgather's UI sends jobs: []);
  // a component with no job in the range is an error, never an export of the whole tenant.
  nlohmann::json bad = ConfigJson(vm_.url());
  bad["jobs"] = nlohmann::json::array();
  bad["components"] = {"vmbackupmanager"};
  HttpAnswer rejected = HttpCall("POST", base + "/api/export", bad.dump(), "application/json");
  EXPECT_EQ(rejected.status, 404);
  EXPECT_NE(rejected.body.find("vmbackupmanager"), std::string::npos) << rejected.body;

  HttpAnswer sync = HttpCall("POST", base + "/api/export", ConfigJson(vm_.url()).dump(), "application/json");
  ASSERT_EQ(sync.status, 200) << sync.body;
  const nlohmann::json r = nlohmann::json::parse(sync.body);
  EXPECT_EQ(r["metrics_count"], 36 * 12);  // vmgather's meaning: JSON lines, one per series and window
  EXPECT_EQ(r["series_count"], 36);
  EXPECT_TRUE(std::filesystem::exists(r["archive_path"].get<std::string>()));
  server.stop();
  t.join();
}

}  // namespace
// Our process killed with SIGKILL mid-export: the next process lists the staging dir as
// resumable, continues with the same obfuscation key, fetches only the missing windows and
// produces the same content (same pseudonyms, same samples) as an uninterrupted run. Without a
// key the staging dir says why it cannot be resumed.
TEST_F(ExportEngine, ExportOfAKilledProcessResumesInTheNextOneWithTheSameKey) {
  FaultProxy proxy(vm_.port());
  nlohmann::json j = ConfigJson(proxy.url());
  j["obfuscation"] = {{"enabled", true}, {"custom_labels", {"instance"}}, {"key", "resume-key-1"}};
  auto service = Service(1);
  const ExportResult whole = RunToCompletion(*service, Config(j));

  TempDir out;
  proxy.delay_ms = 300;  // 12 windows one at a time: ~4 s, time enough to kill
  std::string job_id;
  {
    ServerBinary first(VmexporterBinary(), {"-no-browser", "-output=" + out.path()});
    HttpAnswer start = first.Api("POST", "/api/export/start", j.dump());
    ASSERT_EQ(start.status, 200) << start.body;
    job_id = nlohmann::json::parse(start.body)["job_id"];
    for (int i = 0; i < 300; ++i) {
      const nlohmann::json st = nlohmann::json::parse(first.Api("GET", "/api/export/status?id=" + job_id).body);
      if (st["completed_batches"].get<int>() >= 3) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    first.process().Kill();
  }
  proxy.delay_ms = 0;
  const int requests_before = proxy.export_requests;

  ServerBinary next(VmexporterBinary(), {"-no-browser", "-output=" + out.path()});
  HttpAnswer listed = next.Api("GET", "/api/export/staged?dir=" + staging_.path());
  ASSERT_EQ(listed.status, 200) << listed.body;
  const nlohmann::json staged = nlohmann::json::parse(listed.body)["staged"];
  ASSERT_EQ(staged.size(), 1u) << listed.body;
  EXPECT_EQ(staged[0]["job_id"], job_id);
  EXPECT_TRUE(staged[0]["resumable"].get<bool>()) << staged[0].dump();
  const int done = staged[0]["completed_batches"];
  EXPECT_GE(done, 3);
  EXPECT_LT(done, 12);
  EXPECT_EQ(listed.body.find("resume-key-1"), std::string::npos) << "the key is never stored";

  nlohmann::json resume = {{"job_id", job_id}, {"staging_dir", staging_.path()}, {"obfuscation_key", "wrong"}};
  HttpAnswer refused = next.Api("POST", "/api/export/resume", resume.dump());
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("obfuscation key does not match"), std::string::npos) << refused.body;
  resume["obfuscation_key"] = "resume-key-1";
  HttpAnswer resumed = next.Api("POST", "/api/export/resume", resume.dump());
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  nlohmann::json st;
  for (int i = 0; i < 500; ++i) {
    st = nlohmann::json::parse(next.Api("GET", "/api/export/status?id=" + job_id).body);
    if (st["state"] != "running" && st["state"] != "pending") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(st["state"], "completed") << st.dump() << next.log();
  EXPECT_LE(proxy.export_requests - requests_before, 12 - done) << "only the missing windows are fetched";

  const std::string resumed_zip = st["result"]["archive_path"];
  const Samples a = ParseSamples(BundleEntry(whole.archive_path, "metrics.jsonl"));
  const Samples b = ParseSamples(BundleEntry(resumed_zip, "metrics.jsonl"));
  EXPECT_EQ(b.duplicates, 0u);
  EXPECT_EQ(a.total, 36u * (kSamplesPerSeries - 1));
  EXPECT_TRUE(a.series == b.series) << "same pseudonyms, same samples";
  EXPECT_EQ(BundleEntry(resumed_zip, "metrics.jsonl").find("10.0.0.1"), std::string::npos);
  const nlohmann::json meta = nlohmann::json::parse(BundleEntry(resumed_zip, "metadata.json"));
  EXPECT_EQ(meta["metrics_count"], 36);
  int rc = -1;
  Shell(std::string(VMX_BIN_DIR) + "/vmexporter verify '" + resumed_zip + "'", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_FALSE(std::filesystem::exists(staging_.path() + "/" + job_id)) << "staging goes after success";

  // Without a key: killed again, the staging dir explains why it cannot be resumed.
  j["obfuscation"].erase("key");
  proxy.delay_ms = 300;
  {
    ServerBinary third(VmexporterBinary(), {"-no-browser", "-output=" + out.path()});
    HttpAnswer start = third.Api("POST", "/api/export/start", j.dump());
    ASSERT_EQ(start.status, 200) << start.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    third.process().Kill();
  }
  const nlohmann::json unkeyed =
      nlohmann::json::parse(next.Api("GET", "/api/export/staged?dir=" + staging_.path()).body)["staged"];
  ASSERT_EQ(unkeyed.size(), 1u);
  EXPECT_FALSE(unkeyed[0]["resumable"].get<bool>());
  EXPECT_NE(unkeyed[0]["reason"].get<std::string>().find("no obfuscation key"), std::string::npos);
  HttpAnswer no = next.Api("POST", "/api/export/resume",
                           nlohmann::json{{"job_id", unkeyed[0]["job_id"]}, {"staging_dir", staging_.path()}}.dump());
  EXPECT_EQ(no.status, 409) << no.body;

  // Discarded from the page: ids that are no export id, or not there, are refused; the right one
  // goes with everything it staged.
  const std::string unkeyed_id = unkeyed[0]["job_id"];
  for (const std::string& bad : {std::string("../") + unkeyed_id, std::string("0123456789ab")}) {
    HttpAnswer refused_discard = next.Api(
        "POST", "/api/export/discard", nlohmann::json{{"job_id", bad}, {"staging_dir", staging_.path()}}.dump());
    EXPECT_EQ(refused_discard.status, 400) << bad << ": " << refused_discard.body;
  }
  ASSERT_TRUE(std::filesystem::exists(staging_.path() + "/" + unkeyed_id));
  HttpAnswer discarded = next.Api(
      "POST", "/api/export/discard", nlohmann::json{{"job_id", unkeyed_id}, {"staging_dir", staging_.path()}}.dump());
  EXPECT_EQ(discarded.status, 200) << discarded.body;
  EXPECT_FALSE(std::filesystem::exists(staging_.path() + "/" + unkeyed_id));
  EXPECT_EQ(nlohmann::json::parse(next.Api("GET", "/api/export/staged?dir=" + staging_.path()).body)["staged"].size(), 0u);
}

}  // namespace vmx
