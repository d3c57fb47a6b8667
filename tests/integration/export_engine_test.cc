// The export engine against a real victoria-metrics: multi-window exports hold exactly what VM
// holds (no gaps, no duplicate boundary samples), the metric step keeps the last sample per
// bucket, cancel + resume equals an uninterrupted run, a VM killed mid-export is survived, and
// the bundle opens with unzip/zipfile, matches its checksums and re-imports with plain curl.
// Faults a real VM cannot produce on cue (429, 503, reset mid-stream) and "mid-export" moments
// come from the harness's FaultProxy in front of the real VM; a missing export route is a real
// vmauth whose routes lack /api/v1/export.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "application/export/export_service.h"
#include "server/export_api.h"
#include "support/fault_proxy.h"
#include "support/vm_harness.h"

namespace vmx {
namespace {

using testing::FaultProxy;
using testing::HttpAnswer;
using testing::HttpCall;
using testing::ServerBinary;
using testing::TempDir;
using testing::VmAuth;
using testing::VmexporterBinary;
using testing::VmSingle;
using testing::VmSingleOptions;
using testing::WaitFor;

int CompletedBatches(ExportJob& job) { return job.StatusJson()["completed_batches"].get<int>(); }

constexpr int64_t kSampleEveryMs = 15'000;
constexpr int kSamplesPerSeries = 480;  // 2 hours

// An aligned hour four hours ago: inside retention, never in the future.
UnixMillis DataStart() { return (NowMillis() / 3'600'000 - 4) * 3'600'000; }

// 36 series of three jobs with private addresses in their labels.
std::string GenerateData(UnixMillis t0) {
  std::string out;
  const std::vector<std::pair<std::string, std::string>> targets = {
      {"storage-prod", "10.0.0.1:8482"},
      {"storage-prod", "10.0.0.2:8482"},
      {"agent-prod", "10.0.1.5:8429"},
      {"select-prod", "db-7.corp.example:8481"}};
  for (const auto& [job, instance] : targets) {
    for (int m = 0; m < 9; ++m) {
      nlohmann::json line;
      line["metric"] = {{"__name__", "vm_test_metric_" + std::to_string(m)},
                        {"job", job},
                        {"instance", instance}};
      std::string values = "[", ts = "[";
      for (int i = 0; i < kSamplesPerSeries; ++i) {
        if (i > 0) {
          values += ',';
          ts += ',';
        }
        values +=
            m == 0 ? std::to_string(123456789012345LL + i) : std::to_string(i * (m + 1)) + ".5";
        ts += std::to_string(t0 + i * kSampleEveryMs);
      }
      out += "{\"metric\":" + line["metric"].dump() + ",\"values\":" + values +
             "],\"timestamps\":" + ts + "]}\n";
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

class ExportEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    t0_ = DataStart();
    vm_.Import(GenerateData(t0_));
    // Unaligned ends; boundaries of the 600 s windows fall exactly on sample timestamps.
    range_ = {t0_ + 7'000, t0_ + kSamplesPerSeries * kSampleEveryMs - 3'000};
  }

  nlohmann::json ConfigJson(const std::string& url) const {
    return {
        {"connection", {{"url", url}}},
        {"time_range",
         {{"start", FormatRfc3339(range_.start_ms)}, {"end", FormatRfc3339(range_.end_ms)}}},
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
    o.job.retry.max_time = std::chrono::milliseconds(60'000);
    return std::make_unique<ExportService>(o);
  }

  // One window at a time, giving up after `attempts` with a fixed short backoff.
  ExportServiceOptions GivingUpAfter(int attempts, int backoff_ms) const {
    ExportServiceOptions o;
    o.output_dir = out_.path();
    o.job.parallelism = 1;
    o.job.retry = {.first_backoff = std::chrono::milliseconds(backoff_ms),
                   .max_backoff = std::chrono::milliseconds(2 * backoff_ms),
                   .max_attempts = attempts};
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

  // Starts an export of `j` and waits for its end; nullptr (and a failure) when it cannot start.
  std::shared_ptr<ExportJob> Finished(ExportService& service, const nlohmann::json& j) const {
    Result<std::shared_ptr<ExportJob>> job = service.Start(Config(j));
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    if (!job.ok()) return nullptr;
    (*job)->Wait();
    return *job;
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
  EXPECT_FALSE(std::filesystem::exists(staging_.path() + "/" + r.export_id))
      << "staging must go after success";
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
  const std::string names =
      Shell("python3 -c \"import zipfile; z=zipfile.ZipFile('" + r.archive_path +
            "'); assert z.testzip() is None; print(sorted(z.namelist()))\"");
  EXPECT_EQ(names, "['README.txt', 'metadata.json', 'metrics.jsonl']\n");
  const std::string dir = std::filesystem::path(r.archive_path).parent_path().string();
  EXPECT_EQ(Shell("cd '" + dir + "' && sha256sum -c '" + r.archive_name + ".sha256'"),
            r.archive_name + ": OK\n");
  EXPECT_EQ(Shell("sha256sum '" + r.archive_path + "' | cut -d' ' -f1"), r.sha256 + "\n");

  const std::string metrics = BundleEntry(r.archive_path, "metrics.jsonl");
  const nlohmann::json meta = nlohmann::json::parse(BundleEntry(r.archive_path, "metadata.json"));
  EXPECT_EQ(meta["sha256"]["metrics.jsonl"],
            Shell("unzip -p '" + r.archive_path + "' metrics.jsonl | sha256sum | cut -d' ' -f1")
                .substr(0, 64));
  EXPECT_EQ(meta["export_id"], r.export_id);
  EXPECT_EQ(meta["obfuscated"], true);
  EXPECT_EQ(meta["metrics_count"], 36);
  // Windows were sized from the index's series count of the day (no pass over the samples).
  EXPECT_EQ(meta["batching"]["series_estimate"],
            nlohmann::json({{"series", 36}, {"source", "index"}}))
      << meta["batching"].dump();
  for (const char* secret : {"10.0.0.1", "10.0.1.5", "storage-prod", "agent-prod", "db-7.corp"}) {
    EXPECT_EQ(metrics.find(secret), std::string::npos) << secret;
    EXPECT_EQ(meta.dump().find(secret), std::string::npos) << secret;
    EXPECT_EQ(BundleEntry(r.archive_path, "README.txt").find(secret), std::string::npos) << secret;
  }
  ASSERT_EQ(meta["jobs"].size(), 3u) << meta.dump();
  // What support needs to read the bundle without asking back.
  EXPECT_EQ(meta["time_range"]["start"], FormatRfc3339(range_.start_ms)) << meta.dump();
  EXPECT_EQ(meta["time_range"]["end"], FormatRfc3339(range_.end_ms)) << meta.dump();
  EXPECT_EQ(meta["samples_count"], 36 * (kSamplesPerSeries - 1)) << meta.dump();
  EXPECT_EQ(meta["components"], nlohmann::json::array({"vmstorage", "vmagent", "vmselect"}))
      << "the components as chosen: " << meta.dump();
  const std::string tool_version = meta["tool_version"];
  EXPECT_EQ(meta["tool"]["version"], tool_version);
  EXPECT_EQ(Shell(VmexporterBinary() + " -version"), "vmexporter " + tool_version + "\n");
  EXPECT_FALSE(meta["export_date"].get<std::string>().empty());
  EXPECT_EQ(meta["selection"]["mode"], "cluster") << meta.dump();
  EXPECT_FALSE(meta["selection"]["selector"].get<std::string>().empty()) << meta.dump();
  EXPECT_EQ(meta["metric_step_seconds"], 0) << meta.dump();
  EXPECT_TRUE(meta.contains("vm_versions")) << meta.dump();
  EXPECT_NE(meta["batching"].dump().find("600"), std::string::npos) << meta["batching"].dump();
  EXPECT_TRUE(meta["obfuscation_policy"].is_object()) << meta.dump();
  EXPECT_FALSE(meta["privacy_report"].empty()) << meta.dump();
  EXPECT_EQ(meta["sha256"]["README.txt"],
            Shell("unzip -p '" + r.archive_path + "' README.txt | sha256sum | cut -d' ' -f1")
                .substr(0, 64));
  const std::string readme = BundleEntry(r.archive_path, "README.txt");
  for (const std::string& line :
       {"Export ID:   " + r.export_id,
        "Series:      36 (" + std::to_string(36 * (kSamplesPerSeries - 1)) + " samples)",
        std::string("Obfuscated:  yes"), "Created by:  vmexporter " + tool_version,
        std::string("vmexporter verify"), std::string("/api/v1/import")}) {
    EXPECT_NE(readme.find(line), std::string::npos) << line << " not in README:\n" << readme;
  }

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

  // 12 windows, one at a time: the 4th waits at the gate until the cancel is in.
  const int before = proxy.export_requests;
  proxy.CloseGateAfter(before + 3);
  Result<std::shared_ptr<ExportJob>> job = service->Start(Config(j));
  ASSERT_TRUE(job.ok());
  ASSERT_TRUE(proxy.WaitUntilHeld(1)) << (*job)->StatusJson().dump();
  ASSERT_TRUE(WaitFor([&] { return CompletedBatches(**job) == 3; })) << (*job)->StatusJson().dump();
  ASSERT_TRUE((*job)->Cancel().ok());
  proxy.OpenGate();
  (*job)->Wait();
  ASSERT_EQ((*job)->state(), ExportJobState::kCanceled) << (*job)->StatusJson().dump();
  const nlohmann::json canceled = (*job)->StatusJson();
  EXPECT_EQ(canceled["completed_batches"].get<int>(), 3) << canceled.dump();
  EXPECT_EQ(canceled["total_batches"].get<int>(), 12) << canceled.dump();
  EXPECT_FALSE((*job)->Cancel().ok()) << "a canceled job cannot be canceled again";
  const int requests_before_resume = proxy.export_requests;
  ASSERT_TRUE((*job)->Resume().ok());
  (*job)->Wait();
  ASSERT_EQ((*job)->state(), ExportJobState::kCompleted) << (*job)->StatusJson().dump();
  EXPECT_EQ(proxy.export_requests - requests_before_resume, 12 - 3)
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
  proxy.CloseGateAfter(2);  // two windows done, the third waits: the kill lands mid-export
  auto service = Service(1);
  Result<std::shared_ptr<ExportJob>> job = service->Start(Config(ConfigJson(proxy.url())));
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(proxy.WaitUntilHeld(1)) << (*job)->StatusJson().dump();
  vm_.Kill();
  const nlohmann::json at_kill = (*job)->StatusJson();
  EXPECT_EQ(at_kill["state"], "running") << at_kill.dump();
  EXPECT_EQ(at_kill["completed_batches"], 2) << at_kill.dump();
  // The window in flight and the time left, as the wizard shows them while an export runs.
  EXPECT_EQ(at_kill["current_range"]["start"], FormatRfc3339(range_.start_ms + 2 * 600'000))
      << at_kill.dump();
  EXPECT_EQ(at_kill["current_range"]["end"], FormatRfc3339(range_.start_ms + 3 * 600'000))
      << at_kill.dump();
  EXPECT_TRUE(at_kill["eta_seconds"].is_number() && at_kill["eta_seconds"].get<double>() >= 0)
      << at_kill.dump();
  EXPECT_TRUE(at_kill["eta"].is_string()) << at_kill.dump();
  // The held window meets the dead VM; its retry waits at the gate while VM comes back.
  proxy.CloseGateAfter(3);
  // (A job that gave up instead ends the wait at once, and fails here with its error.)
  ASSERT_TRUE(WaitFor([&] {
    return (proxy.upstream_failures == 1 && proxy.held() == 1) ||
           (*job)->state() != ExportJobState::kRunning;
  }));
  ASSERT_EQ((*job)->state(), ExportJobState::kRunning) << (*job)->StatusJson().dump();
  ASSERT_EQ(proxy.upstream_failures, 1);
  ASSERT_EQ(proxy.held(), 1) << "the window that met the dead VM is tried again";
  vm_.Start();
  proxy.OpenGate();
  (*job)->Wait();
  ASSERT_EQ((*job)->state(), ExportJobState::kCompleted) << (*job)->StatusJson().dump();
  EXPECT_EQ(proxy.export_requests, 13) << "the window that met the dead VM was retried once";
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

// A VM answering 503 a few times (a storage node restarting), then normally: retried, completed.
TEST_F(ExportEngine, TransientServerErrorsAreRetriedToCompletion) {
  FaultProxy proxy(vm_.port());
  proxy.answer_503 = 3;
  auto service = Service();
  const ExportResult r = RunToCompletion(*service, Config(ConfigJson(proxy.url())));
  EXPECT_EQ(proxy.answer_503, 0);
  EXPECT_EQ(proxy.export_requests, 12 + 3);
  const Samples ours = ParseSamples(BundleEntry(r.archive_path, "metrics.jsonl"));
  EXPECT_EQ(ours.duplicates, 0u);
  EXPECT_EQ(ours.total, 36u * (kSamplesPerSeries - 1));
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
  const nlohmann::json st = (*job)->StatusJson();
  ASSERT_EQ((*job)->state(), ExportJobState::kFailed) << st.dump();
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
  // A real vmauth whose routes cover queries, series and labels but not /api/v1/export: it
  // answers an export with 400 "missing route", as a managed gateway's read-only route does.
  VmAuth gateway(
      "users:\n  - username: \"r\"\n    password: \"p\"\n    url_map:\n"
      "      - src_paths: [\"/api/v1/query.*\", \"/api/v1/series.*\", \"/api/v1/label.*\", "
      "\"/api/v1/status/.*\"]\n        url_prefix: \"" +
      vm_.root_url() + "\"\n");
  const HttpAnswer refused = HttpCall("POST", gateway.url() + "/api/v1/export", "match[]=up",
                                      "application/x-www-form-urlencoded", "r", "p");
  ASSERT_EQ(refused.status, 400) << refused.body;
  ASSERT_NE(refused.body.find("missing route"), std::string::npos) << refused.body;

  auto service = Service();
  nlohmann::json j = ConfigJson(gateway.url());
  j["connection"]["auth"] = {{"type", "basic"}, {"username", "r"}, {"password", "p"}};
  j["metric_step_seconds"] = 60;
  const std::shared_ptr<ExportJob> job = Finished(*service, j);
  ASSERT_NE(job, nullptr);
  ASSERT_EQ(job->state(), ExportJobState::kCompleted) << job->StatusJson().dump();
  EXPECT_NE(job->StatusJson()["source"].get<std::string>().find("query_range"), std::string::npos)
      << job->StatusJson().dump();
  // A route is given up after the same answer twice (one transient 404 must not move the job);
  // metadata says which route each window came from.
  const nlohmann::json meta =
      nlohmann::json::parse(BundleEntry(job->result()->archive_path, "metadata.json"));
  EXPECT_EQ(meta["batching"]["windows_by_source"]["query_range"], meta["batching"]["windows"])
      << meta.dump();
  const Samples ours = ParseSamples(BundleEntry(job->result()->archive_path, "metrics.jsonl"));
  EXPECT_EQ(ours.duplicates, 0u);
  EXPECT_EQ(ours.series.size(), 36u);
  // One point per minute of the range per series.
  EXPECT_NEAR(static_cast<double>(ours.total) / 36, range_.duration_ms() / 60'000.0, 2.0);
}

// A gateway that does not route VictoriaMetrics' index statistics (/api/v1/status/tsdb answers
// 400 "missing route"): the windows are sized from count() instead and the export completes.
TEST_F(ExportEngine, SeriesAreCountedWithQueriesWhereTheIndexStatisticsAreNotRouted) {
  VmAuth gateway(
      "users:\n  - username: \"r\"\n    password: \"p\"\n    url_map:\n"
      "      - src_paths: [\"/api/v1/query.*\", \"/api/v1/export\", \"/api/v1/series.*\", "
      "\"/api/v1/label.*\"]\n        url_prefix: \"" +
      vm_.root_url() + "\"\n");
  const HttpAnswer refused =
      HttpCall("GET", gateway.url() + "/api/v1/status/tsdb", "", "", "r", "p");
  ASSERT_EQ(refused.status, 400) << refused.body;
  auto service = Service();
  nlohmann::json j = ConfigJson(gateway.url());
  j["connection"]["auth"] = {{"type", "basic"}, {"username", "r"}, {"password", "p"}};
  const std::shared_ptr<ExportJob> job = Finished(*service, j);
  ASSERT_NE(job, nullptr);
  ASSERT_EQ(job->state(), ExportJobState::kCompleted) << job->StatusJson().dump();
  const nlohmann::json meta =
      nlohmann::json::parse(BundleEntry(job->result()->archive_path, "metadata.json"));
  EXPECT_EQ(meta["batching"]["series_estimate"],
            nlohmann::json({{"series", 36}, {"source", "count"}}))
      << meta["batching"].dump();
  const Samples ours = ParseSamples(BundleEntry(job->result()->archive_path, "metrics.jsonl"));
  EXPECT_EQ(ours.duplicates, 0u);
  EXPECT_EQ(ours.total, 36u * (kSamplesPerSeries - 1));
}

// A managed gateway's /rw/ route serves queries but not /api/v1/export: the job exports through
// the same URL without /rw (a real vmauth routing both), not the slower query_range.
TEST_F(ExportEngine, RwRouteWithoutExportFallsBackToThePlainPrefixInsideTheJob) {
  VmSingle rw(VmSingleOptions{.path_prefix = "/1011/rw", .retention = "100y", .extra_flags = {}});
  VmSingle plain(VmSingleOptions{.path_prefix = "/1011", .retention = "100y", .extra_flags = {}});
  rw.Import(GenerateData(t0_));
  plain.Import(GenerateData(t0_));
  VmAuth gw(testing::ManagedGatewayConfig(rw, plain));
  nlohmann::json j = ConfigJson(gw.url() + "/1011/rw/prometheus");
  j["connection"]["auth"] = {{"type", "basic"}, {"username", "m"}, {"password", "p"}};
  auto service = Service();
  const std::shared_ptr<ExportJob> job = Finished(*service, j);
  ASSERT_NE(job, nullptr);
  const nlohmann::json st = job->StatusJson();
  ASSERT_EQ(job->state(), ExportJobState::kCompleted) << st.dump();
  EXPECT_EQ(st["source"], "export (through the URL without /rw, which lacks the export route)")
      << st.dump();
  const Samples ours = ParseSamples(BundleEntry(job->result()->archive_path, "metrics.jsonl"));
  EXPECT_EQ(ours.duplicates, 0u);
  EXPECT_EQ(ours.total, 36u * (kSamplesPerSeries - 1));
}

// A MetricsQL query is exported as what VictoriaMetrics computes for it (query_range per window):
// here the per-job sums, so storage-prod (two instances of the same values) is twice select-prod.
TEST_F(ExportEngine, MetricsqlQueryExportsTheComputedSeries) {
  nlohmann::json j = ConfigJson(vm_.url());
  j["mode"] = "custom";
  j["query_type"] = "metricsql";
  j["query"] = "sum by (job) (vm_test_metric_1)";
  j["metric_step_seconds"] = 60;
  auto service = Service();
  const std::shared_ptr<ExportJob> job = Finished(*service, j);
  ASSERT_NE(job, nullptr);
  ASSERT_EQ(job->state(), ExportJobState::kCompleted) << job->StatusJson().dump();
  EXPECT_NE(job->StatusJson()["source"].get<std::string>().find("MetricsQL"), std::string::npos)
      << job->StatusJson().dump();
  const Samples ours = ParseSamples(BundleEntry(job->result()->archive_path, "metrics.jsonl"));
  EXPECT_EQ(ours.duplicates, 0u);
  ASSERT_EQ(ours.series.size(), 3u);
  std::map<std::string, std::map<int64_t, nlohmann::json>> by_job;
  for (const auto& [metric, points] : ours.series) {
    const nlohmann::json m = nlohmann::json::parse(metric);
    EXPECT_EQ(m.size(), 1u) << "only the job label survives sum by (job): " << metric;
    by_job[m.value("job", "")] = points;
  }
  const auto number = [](const nlohmann::json& v) {
    return v.is_string() ? std::stod(v.get<std::string>()) : v.get<double>();
  };
  const auto& storage = by_job["storage-prod"];
  const auto& select = by_job["select-prod"];
  EXPECT_NEAR(static_cast<double>(select.size()), range_.duration_ms() / 60'000.0, 2.0);
  ASSERT_EQ(storage.size(), select.size());
  for (const auto& [ts, v] : select) {
    ASSERT_TRUE(storage.count(ts)) << ts;
    EXPECT_DOUBLE_EQ(number(storage.at(ts)), 2 * number(v)) << ts;
  }
}

TEST_F(ExportEngine, RestApiStartsReportsAndServesOnlyItsOwnBundles) {
  httplib::Server server;
  auto service = std::shared_ptr<ExportService>(Service().release());
  RegisterExportApi(server, service);
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);

  HttpAnswer start = HttpCall("POST", base + "/api/export/start", ConfigJson(vm_.url()).dump(),
                              "application/json");
  ASSERT_EQ(start.status, 200) << start.body;
  const nlohmann::json s = nlohmann::json::parse(start.body);
  for (const char* k : {"job_id", "state", "total_batches", "batch_window_seconds", "staging_path",
                        "obfuscation_enabled"}) {
    EXPECT_TRUE(s.contains(k)) << k;
  }
  EXPECT_EQ(s["total_batches"], 12);
  EXPECT_EQ(s["batch_window_seconds"], 600);
  nlohmann::json st;
  WaitFor(
      [&] {
        st = nlohmann::json::parse(
            HttpCall("GET", base + "/api/export/status?id=" + s["job_id"].get<std::string>()).body);
        return st["state"] != "running" && st["state"] != "pending";
      },
      120000);
  ASSERT_EQ(st["state"], "completed") << st.dump();
  EXPECT_EQ(st["progress"], 1.0);
  EXPECT_EQ(st["completed_batches"], st["total_batches"]);
  for (const char* k : {"export_id", "archive_path", "archive_name", "archive_size_bytes",
                        "metrics_exported", "sha256", "time_range", "obfuscation_applied"}) {
    EXPECT_TRUE(st["result"].contains(k)) << k;
  }
  EXPECT_EQ(st["metrics_processed"], 36 * 12);
  EXPECT_EQ(st["samples_processed"], st["result"]["samples_exported"]);
  EXPECT_GT(st["samples_processed"].get<uint64_t>(), 0u);

  HttpAnswer dl = HttpCall("GET", base + "/api/download?path=" +
                                      httplib::detail::encode_query_param(
                                          st["result"]["archive_path"].get<std::string>()));
  ASSERT_EQ(dl.status, 200);
  EXPECT_EQ(dl.body.size(), st["result"]["archive_size_bytes"].get<size_t>());
  EXPECT_EQ(dl.body.substr(0, 2), "PK");
  EXPECT_EQ(HttpCall("GET", base + "/api/download?path=/etc/passwd").status, 404);
  EXPECT_EQ(HttpCall("GET", base + "/api/export/status?id=nope").status, 404);
  EXPECT_EQ(HttpCall("POST", base + "/api/export/resume",
                     R"({"job_id":")" + s["job_id"].get<std::string>() + "\"}", "application/json")
                .status,
            409);

  // Cluster mode without jobs means every job of the components (vmgather's UI sends jobs: []);
  // a component with no job in the range is an error, never an export of the whole tenant.
  nlohmann::json bad = ConfigJson(vm_.url());
  bad["jobs"] = nlohmann::json::array();
  bad["components"] = {"vmbackupmanager"};
  HttpAnswer rejected = HttpCall("POST", base + "/api/export", bad.dump(), "application/json");
  EXPECT_EQ(rejected.status, 404);
  EXPECT_NE(rejected.body.find("vmbackupmanager"), std::string::npos) << rejected.body;

  HttpAnswer sync =
      HttpCall("POST", base + "/api/export", ConfigJson(vm_.url()).dump(), "application/json");
  ASSERT_EQ(sync.status, 200) << sync.body;
  const nlohmann::json r = nlohmann::json::parse(sync.body);
  EXPECT_EQ(r["metrics_count"],
            36 * 12);  // vmgather's meaning: JSON lines, one per series and window
  EXPECT_EQ(r["series_count"], 36);
  EXPECT_TRUE(std::filesystem::exists(r["archive_path"].get<std::string>()));
  server.stop();
  t.join();
}

// A window matching more series than VictoriaMetrics serves at once (-search.maxExportSeries) is
// split in halves inside the job until each half fits; nothing is lost or doubled.
TEST(ExportEngineSplit, TooManySeriesSplitsTheWindowInsteadOfFailing) {
  VmSingle vm(VmSingleOptions{
      .path_prefix = "", .retention = "100y", .extra_flags = {"-search.maxExportSeries=25"}});
  // 10 series on each of the last 4 UTC days, one sample an hour. VictoriaMetrics finds series
  // per day, so one window over the 4 days matches 40 series, a window within two days 20.
  constexpr UnixMillis kDay = 86'400'000;
  const UnixMillis today = NowMillis() / kDay * kDay;
  std::string lines;
  for (int day = 1; day <= 4; ++day) {
    for (int k = 0; k < 10; ++k) {
      std::string values, stamps;
      for (int h = 0; h < 24; ++h) {
        values += (h ? "," : "") + std::to_string(h);
        stamps += (h ? "," : "") + std::to_string(today - day * kDay + h * 3'600'000 + 1'800'000);
      }
      lines += R"({"metric":{"__name__":"split_probe","day":")" + std::to_string(day) +
               R"(","k":")" + std::to_string(k) + R"("},"values":[)" + values +
               R"(],"timestamps":[)" + stamps + "]}\n";
    }
  }
  vm.Import(lines);
  const HttpAnswer refused =
      HttpCall("POST", vm.url() + "/api/v1/export",
               "match[]=split_probe&start=" + std::to_string((today - 4 * kDay) / 1000) +
                   "&end=" + std::to_string(today / 1000),
               "application/x-www-form-urlencoded");
  ASSERT_NE(refused.status, 200) << "the premise: VM refuses the whole range at once";

  TempDir out, staging;
  ExportServiceOptions o;
  o.output_dir = out.path();
  o.job.parallelism = 2;
  ExportService service(o);
  Result<ExportConfig> config = ExportConfigFromJson(
      {{"connection", {{"url", vm.url()}}},
       {"time_range", {{"start", FormatRfc3339(today - 4 * kDay)}, {"end", FormatRfc3339(today)}}},
       {"mode", "custom"},
       {"query", "split_probe"},
       {"batching",
        {{"enabled", true}, {"strategy", "custom"}, {"custom_interval_seconds", 4 * 86400}}},
       {"staging_dir", staging.path()},
       {"obfuscation", {{"enabled", false}}}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  Result<std::shared_ptr<ExportJob>> job = service.Start(*config);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  (*job)->Wait();
  const nlohmann::json st = (*job)->StatusJson();
  ASSERT_EQ((*job)->state(), ExportJobState::kCompleted) << st.dump();
  EXPECT_GT(st["total_batches"].get<int>(), 1) << "the one window was split: " << st.dump();
  const Samples ours = ParseSamples(BundleEntry((*job)->result()->archive_path, "metrics.jsonl"));
  EXPECT_EQ(ours.duplicates, 0u);
  EXPECT_EQ(ours.series.size(), 40u);
  EXPECT_EQ(ours.total, 40u * 24);
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
  proxy.CloseGateAfter(proxy.export_requests + 3);  // 3 windows done, the 4th held: then the kill
  std::string job_id;
  {
    ServerBinary first(VmexporterBinary(), {"-no-browser", "-output=" + out.path()});
    HttpAnswer start = first.Api("POST", "/api/export/start", j.dump());
    ASSERT_EQ(start.status, 200) << start.body;
    job_id = nlohmann::json::parse(start.body)["job_id"];
    ASSERT_TRUE(proxy.WaitUntilHeld(1)) << first.Api("GET", "/api/export/status?id=" + job_id).body;
    nlohmann::json st;
    ASSERT_TRUE(WaitFor([&] {
      st = nlohmann::json::parse(first.Api("GET", "/api/export/status?id=" + job_id).body);
      return st["completed_batches"] == 3;
    })) << st.dump();
    // While it runs, another process sees it in use: it offers neither Resume nor Discard.
    ServerBinary observer(VmexporterBinary(), {"-no-browser", "-output=" + out.path()});
    const nlohmann::json running = nlohmann::json::parse(
        observer.Api("GET", "/api/export/staged?dir=" + staging_.path()).body)["staged"];
    ASSERT_EQ(running.size(), 1u) << running.dump();
    EXPECT_TRUE(running[0]["in_use"].get<bool>()) << running.dump();
    EXPECT_FALSE(running[0]["resumable"].get<bool>()) << running.dump();
    const nlohmann::json ids = {
        {"job_id", job_id}, {"staging_dir", staging_.path()}, {"obfuscation_key", "resume-key-1"}};
    EXPECT_EQ(observer.Api("POST", "/api/export/discard", ids.dump()).status, 409);
    EXPECT_EQ(observer.Api("POST", "/api/export/resume", ids.dump()).status, 409);
    EXPECT_TRUE(std::filesystem::exists(staging_.path() + "/" + job_id + "/manifest.json"));
    first.process().Kill();
  }
  proxy.OpenGate();
  const int requests_before = proxy.export_requests;

  ServerBinary next(VmexporterBinary(), {"-no-browser", "-output=" + out.path()});
  HttpAnswer listed = next.Api("GET", "/api/export/staged?dir=" + staging_.path());
  ASSERT_EQ(listed.status, 200) << listed.body;
  const nlohmann::json staged = nlohmann::json::parse(listed.body)["staged"];
  ASSERT_EQ(staged.size(), 1u) << listed.body;
  EXPECT_EQ(staged[0]["job_id"], job_id);
  EXPECT_TRUE(staged[0]["resumable"].get<bool>()) << staged[0].dump();
  EXPECT_FALSE(staged[0]["in_use"].get<bool>()) << "a killed process holds no lock";
  const int done = staged[0]["completed_batches"];
  EXPECT_EQ(done, 3);
  EXPECT_EQ(listed.body.find("resume-key-1"), std::string::npos) << "the key is never stored";
  // With obfuscation on, no original (URL, job names) is kept in the staging dir.
  for (const auto& f : std::filesystem::recursive_directory_iterator(staging_.path())) {
    if (!f.is_regular_file() || f.path().extension() == ".deflate") continue;
    std::ifstream in(f.path());
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    for (const std::string& original :
         {std::string("storage-prod"), std::string("agent-prod"), proxy.url()}) {
      EXPECT_EQ(text.find(original), std::string::npos) << original << " in " << f.path();
    }
  }

  nlohmann::json resume = {{"job_id", job_id},
                           {"staging_dir", staging_.path()},
                           {"url", proxy.url()},
                           {"jobs", j["jobs"]},
                           {"obfuscation_key", "wrong"}};
  HttpAnswer refused = next.Api("POST", "/api/export/resume", resume.dump());
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("obfuscation key does not match"), std::string::npos) << refused.body;
  resume["obfuscation_key"] = "resume-key-1";
  HttpAnswer resumed = next.Api("POST", "/api/export/resume", resume.dump());
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  nlohmann::json st;
  WaitFor(
      [&] {
        st = nlohmann::json::parse(next.Api("GET", "/api/export/status?id=" + job_id).body);
        return st["state"] != "running" && st["state"] != "pending";
      },
      120000);
  ASSERT_EQ(st["state"], "completed") << st.dump() << next.log();
  EXPECT_EQ(proxy.export_requests - requests_before, 12 - done)
      << "only the missing windows are fetched";

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
  EXPECT_FALSE(std::filesystem::exists(staging_.path() + "/" + job_id))
      << "staging goes after success";

  // Without a key: killed again, the staging dir explains why it cannot be resumed.
  j["obfuscation"].erase("key");
  proxy.CloseGateAfter(proxy.export_requests + 1);  // one window done, then the kill
  {
    ServerBinary third(VmexporterBinary(), {"-no-browser", "-output=" + out.path()});
    HttpAnswer start = third.Api("POST", "/api/export/start", j.dump());
    ASSERT_EQ(start.status, 200) << start.body;
    const std::string third_id = nlohmann::json::parse(start.body)["job_id"];
    ASSERT_TRUE(proxy.WaitUntilHeld(1));
    ASSERT_TRUE(WaitFor([&] {
      return nlohmann::json::parse(
                 third.Api("GET", "/api/export/status?id=" + third_id).body)["completed_batches"] ==
             1;
    }));
    third.process().Kill();
  }
  proxy.OpenGate();
  const nlohmann::json unkeyed = nlohmann::json::parse(
      next.Api("GET", "/api/export/staged?dir=" + staging_.path()).body)["staged"];
  ASSERT_EQ(unkeyed.size(), 1u);
  EXPECT_FALSE(unkeyed[0]["resumable"].get<bool>());
  EXPECT_NE(unkeyed[0]["reason"].get<std::string>().find("no obfuscation key"), std::string::npos);
  HttpAnswer no = next.Api(
      "POST", "/api/export/resume",
      nlohmann::json{{"job_id", unkeyed[0]["job_id"]}, {"staging_dir", staging_.path()}}.dump());
  EXPECT_EQ(no.status, 409) << no.body;

  // Discarded from the page: ids that are no export id, or not there, are refused; the right one
  // goes with everything it staged.
  const std::string unkeyed_id = unkeyed[0]["job_id"];
  for (const std::string& bad : {std::string("../") + unkeyed_id, std::string("0123456789ab")}) {
    HttpAnswer refused_discard =
        next.Api("POST", "/api/export/discard",
                 nlohmann::json{{"job_id", bad}, {"staging_dir", staging_.path()}}.dump());
    EXPECT_EQ(refused_discard.status, 400) << bad << ": " << refused_discard.body;
  }
  ASSERT_TRUE(std::filesystem::exists(staging_.path() + "/" + unkeyed_id));
  HttpAnswer discarded =
      next.Api("POST", "/api/export/discard",
               nlohmann::json{{"job_id", unkeyed_id}, {"staging_dir", staging_.path()}}.dump());
  EXPECT_EQ(discarded.status, 200) << discarded.body;
  EXPECT_FALSE(std::filesystem::exists(staging_.path() + "/" + unkeyed_id));
  EXPECT_EQ(nlohmann::json::parse(
                next.Api("GET", "/api/export/staged?dir=" + staging_.path()).body)["staged"]
                .size(),
            0u);
}

}  // namespace vmx
