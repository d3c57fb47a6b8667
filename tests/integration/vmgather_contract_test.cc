// The contract of vmgather v1.9.1 (the established VictoriaMetrics exporter), held by the real
// vmexporter binary against a real victoria-metrics: every endpoint vmgather's web UI calls gets
// the request bodies that UI sends (cluster mode with single-job components as `jobs: []`, custom
// selector mode, cancel, resume, the legacy synchronous export), and the replies carry vmgather's
// field names, types and meanings. Also vmgather's scripted form `vmexporter -oneshot …`.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "common/zip_entries.h"
#include "domain/time_range.h"
#include "support/fault_proxy.h"
#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One series with a sample every 15 s over the hour before `end_ms`.
std::string HourOf(const json& labels, int64_t end_ms) {
  json values = json::array(), ts = json::array();
  for (int i = 0; i < 240; ++i) {
    values.push_back(i);
    ts.push_back(end_ms - (239 - i) * 15000);
  }
  return json{{"metric", labels}, {"values", values}, {"timestamps", ts}}.dump() + "\n";
}

// VictoriaMetrics components as a monitoring VM stores them: one job each, so vmgather's UI
// sends `jobs: []` for them. vmstorage has two instances; the single node has Debian's empty
// version label.
std::string Fixture(int64_t end_ms) {
  std::string out;
  for (const char* inst : {"10.0.0.1:8482", "10.0.0.2:8482"}) {
    out += HourOf({{"__name__", "vm_app_version"},
                   {"job", "vmstorage-prod"},
                   {"instance", inst},
                   {"version", "vmstorage-20220808-094220-tags-v1.79.5-cluster-0-gdebian00"}},
                  end_ms);
    out +=
        HourOf({{"__name__", "vm_data_size_bytes"}, {"job", "vmstorage-prod"}, {"instance", inst}},
               end_ms);
  }
  for (const char* name : {"vm_app_version", "vm_cache_entries", "vm_rows_inserted_total"}) {
    out += HourOf({{"__name__", name}, {"job", "victoria-metrics"}, {"instance", "10.0.0.5:8428"}},
                  end_ms);
  }
  out += HourOf({{"__name__", "vm_app_version"},
                 {"job", "vmagent-prod"},
                 {"instance", "10.0.0.9:8429"},
                 {"version", "vmagent-20220808-094220-tags-v1.79.5-0-gdebian00"}},
                end_ms);
  out += HourOf({{"__name__", "vmagent_remotewrite_requests_total"},
                 {"job", "vmagent-prod"},
                 {"instance", "10.0.0.9:8429"}},
                end_ms);
  return out;
}

bool IsRfc3339(const json& v) { return v.is_string() && ParseRfc3339(v.get<std::string>()).ok(); }

// The entries of a bundle: name -> content.
std::map<std::string, std::string> BundleEntries(const std::string& path) {
  std::map<std::string, std::string> out;
  std::string current;
  const Status s = VisitZipEntries(path, 0,
                                   {.begin =
                                        [&](const std::string& name) {
                                          current = name;
                                          return true;
                                        },
                                    .data =
                                        [&](std::string_view chunk) {
                                          out[current].append(chunk);
                                          return Status::Ok();
                                        },
                                    .end = [](const std::string&) { return Status::Ok(); }});
  EXPECT_TRUE(s.ok()) << path << ": " << s.ToString();
  return out;
}

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line, nullptr, false));
  return out;
}

// vmgather's getObfuscationConfig() with obfuscation on / off.
json Obfuscation(bool on) {
  return {{"enabled", on},
          {"obfuscate_instance", on},
          {"obfuscate_job", on},
          {"preserve_structure", true},
          {"custom_labels", json::array()},
          {"drop_labels", json::array()}};
}

class VmgatherContract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    vm_ = new VmSingle();
    end_ms_ = (NowMs() / 1000 - 30) * 1000;
    vm_->Import(Fixture(end_ms_));
    out_ = new TempDir();
    server_ = new ServerBinary(VmexporterBinary(), {"-output", out_->path()});
  }
  static void TearDownTestSuite() {
    delete server_;
    delete out_;
    delete vm_;
  }

  // vmgather's getConnectionConfig() for a pasted single-node URL.
  static json Connection(const std::string& url) {
    return {{"url", url},
            {"api_base_path", ""},
            {"tenant_id", ""},
            {"is_multitenant", false},
            {"full_api_url", url},
            {"auth", {{"type", "none"}}},
            {"skip_tls_verify", false}};
  }
  static json Range() {
    return {{"start", FormatRfc3339(end_ms_ - 3600 * 1000)},
            {"end", FormatRfc3339(end_ms_ + 1000)}};
  }
  // The export body of vmgather's startExport(): cluster mode with the given components and jobs.
  json ClusterExport(const json& components, const json& jobs, bool obfuscate) const {
    return {
        {"connection", Connection(vm_->url())},
        {"time_range", Range()},
        {"components", components},
        {"jobs", jobs},
        {"mode", "cluster"},
        {"query_type", ""},
        {"query", ""},
        {"obfuscation", Obfuscation(obfuscate)},
        {"staging_dir", staging_.path()},
        {"metric_step_seconds", 0},
        {"batching", {{"enabled", true}, {"strategy", "auto"}, {"custom_interval_seconds", 0}}}};
  }

  static std::pair<int, json> Call(const std::string& method, const std::string& path,
                                   const json& body = nullptr) {
    HttpAnswer a = server_->Api(method, path, body.is_null() ? "" : body.dump());
    json j = json::parse(a.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << method << " " << path << " answered no JSON: " << a.body;
    return {a.status, j};
  }

  // Polls /api/export/status (as vmgather's UI does) until the job leaves pending/running.
  static json WaitForEnd(const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    json st;
    while (std::chrono::steady_clock::now() < deadline) {
      st = Call("GET", "/api/export/status?id=" + id).second;
      ExpectStatusShape(st);
      const std::string state = st.value("state", "");
      if (state != "pending" && state != "running") return st;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "export " << id << " did not end: " << st.dump();
    return st;
  }

  // vmgather's ExportJobStatus: field names and types (optional ones may be absent or null).
  static void ExpectStatusShape(json st) {
    ASSERT_TRUE(st.is_object()) << st;
    EXPECT_TRUE(st["job_id"].is_string()) << st;
    EXPECT_TRUE(std::set<std::string>({"pending", "running", "completed", "failed", "canceled"})
                    .count(st.value("state", "")))
        << st;
    for (const char* n :
         {"total_batches", "completed_batches", "metrics_processed", "batch_window_seconds"}) {
      EXPECT_TRUE(st[n].is_number_integer()) << n << ": " << st;
    }
    for (const char* n : {"progress", "average_batch_seconds", "last_batch_duration_seconds"}) {
      EXPECT_TRUE(st[n].is_number()) << n << ": " << st;
    }
    EXPECT_TRUE(st["obfuscation_enabled"].is_boolean()) << st;
    for (const char* n : {"eta", "started_at", "completed_at"}) {
      if (st.contains(n) && !st[n].is_null()) {
        EXPECT_TRUE(IsRfc3339(st[n])) << n << ": " << st;
      }
    }
    if (st.contains("current_range") && !st["current_range"].is_null()) {
      EXPECT_TRUE(IsRfc3339(st["current_range"]["start"]) && IsRfc3339(st["current_range"]["end"]))
          << st;
    }
  }

  static VmSingle* vm_;
  static int64_t end_ms_;
  static TempDir* out_;
  static ServerBinary* server_;
  TempDir staging_;
};
VmSingle* VmgatherContract::vm_ = nullptr;
int64_t VmgatherContract::end_ms_ = 0;
TempDir* VmgatherContract::out_ = nullptr;
ServerBinary* VmgatherContract::server_ = nullptr;

TEST_F(VmgatherContract, ValidateAnswersVmgathersFields) {
  auto [status, v] = Call("POST", "/api/validate", {{"connection", Connection(vm_->url())}});
  ASSERT_EQ(status, 200) << v;
  EXPECT_EQ(v["success"], true);
  EXPECT_EQ(v["valid"], true);
  EXPECT_TRUE(v["message"].is_string());
  EXPECT_TRUE(v["version"].is_string());
  EXPECT_EQ(v["is_victoria_metrics"], true) << v;
  // vmgather counts the instances reporting vm_app_version: 2 vmstorage, 1 single node, 1 vmagent.
  ASSERT_TRUE(v["components"].is_number_integer()) << v;
  EXPECT_EQ(v["components"], 4) << v;
  ASSERT_TRUE(v["vm_components"].is_array()) << v;
  std::set<std::string> names;
  for (const json& n : v["vm_components"]) names.insert(n.get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"vmstorage", "vmsingle", "vmagent"})) << v;
  EXPECT_EQ(v["final_endpoint"], vm_->url()) << v;
  EXPECT_EQ(v["resolved_connection"]["url"], vm_->url()) << v;
  EXPECT_TRUE(v["resolved_connection"]["auth"].is_object()) << v;
  ASSERT_TRUE(v["attempts"].is_array() && !v["attempts"].empty()) << v;
  EXPECT_TRUE(v["attempts"].back()["endpoint"].is_string()) << v;
  EXPECT_EQ(v["attempts"].back()["success"], true) << v;
  EXPECT_TRUE(v["detected_components"].is_array()) << v;  // our details, under our own name

  // An unreachable VictoriaMetrics is an answer, not an API failure.
  const std::string dead = "http://127.0.0.1:" + std::to_string(FreePort());
  auto [s2, f] = Call("POST", "/api/validate", {{"connection", Connection(dead)}});
  ASSERT_EQ(s2, 200) << f;
  EXPECT_EQ(f["success"], false);
  EXPECT_EQ(f["valid"], false);
  EXPECT_TRUE(f["error"].is_string() && !f["error"].get<std::string>().empty()) << f;
  EXPECT_EQ(f["message"].get<std::string>().rfind("Connection failed", 0), 0u) << f;
  ASSERT_TRUE(f["attempts"].is_array() && !f["attempts"].empty()) << f;
  EXPECT_EQ(f["attempts"][0]["success"], false);
  EXPECT_TRUE(f["attempts"][0]["error"].is_string()) << f;
}

TEST_F(VmgatherContract, DiscoverListsComponentsWithJobsAndCounts) {
  auto [status, d] = Call("POST", "/api/discover",
                          {{"connection", Connection(vm_->url())}, {"time_range", Range()}});
  ASSERT_EQ(status, 200) << d;
  std::map<std::string, json> by_name;
  for (const json& c : d["components"]) by_name[c["component"].get<std::string>()] = c;
  ASSERT_TRUE(by_name.count("vmstorage")) << d;
  json& storage = by_name["vmstorage"];
  EXPECT_EQ(storage["jobs"], json::array({"vmstorage-prod"}));
  EXPECT_EQ(storage["instance_count"], 2);
  EXPECT_EQ(storage["metrics_count_estimate"], 4);
  EXPECT_EQ(storage["job_metrics"]["vmstorage-prod"], 4);
}

TEST_F(VmgatherContract, SampleInClusterModeWithSingleJobComponentsSendingNoJobs) {
  // vmgather's loadSampleMetrics() body, with "victoria" as vmgather names the single node.
  json config = ClusterExport({"vmstorage", "victoria"}, json::array(), false);
  config.erase("staging_dir");
  config.erase("batching");
  config.erase("metric_step_seconds");
  auto [status, s] = Call("POST", "/api/sample", {{"config", config}, {"limit", 10}});
  ASSERT_EQ(status, 200) << s;
  ASSERT_TRUE(s["samples"].is_array()) << s;
  ASSERT_EQ(s["count"], s["samples"].size()) << s;
  EXPECT_EQ(s["samples"].size(), 7u) << s;  // 4 vmstorage series + 3 single-node series
  std::set<std::string> jobs;
  for (const json& row : s["samples"]) {
    ASSERT_TRUE(row["name"].is_string()) << row;
    EXPECT_EQ(row["name"], row["labels"]["__name__"]) << row;
    EXPECT_EQ(row["metric_name"], row["name"]) << row;
    EXPECT_TRUE(row["labels"].is_object()) << row;
    EXPECT_TRUE(row["value"].is_number()) << row;
    EXPECT_TRUE(row["timestamp"].is_number_integer()) << row;
    EXPECT_GT(row["timestamp"].get<int64_t>(), end_ms_ - 3600 * 1000) << row;  // milliseconds
    jobs.insert(row["labels"]["job"].get<std::string>());
  }
  EXPECT_EQ(jobs, (std::set<std::string>{"vmstorage-prod", "victoria-metrics"})) << s;

  // With obfuscation the preview shows the pseudonyms the bundle will carry.
  config["obfuscation"] = Obfuscation(true);
  auto [s2, o] = Call("POST", "/api/sample", {{"config", config}, {"limit", 10}});
  ASSERT_EQ(s2, 200) << o;
  ASSERT_FALSE(o["samples"].empty()) << o;
  for (const json& row : o["samples"]) {
    EXPECT_EQ(row["labels"]["instance"].get<std::string>().rfind("777.777.", 0), 0u) << row;
    EXPECT_EQ(row.dump().find("10.0.0."), std::string::npos) << row;
    EXPECT_EQ(row.dump().find("vmstorage-prod"), std::string::npos) << row;
  }
}

TEST_F(VmgatherContract, CustomModeValidateQueryAndDiscoverSelector) {
  auto [s1, sel] = Call("POST", "/api/validate-query",
                        {{"connection", Connection(vm_->url())},
                         {"query", R"(vm_data_size_bytes{job="vmstorage-prod"})"}});
  ASSERT_EQ(s1, 200) << sel;
  EXPECT_EQ(sel["success"], true);
  EXPECT_EQ(sel["query_type"], "selector");
  EXPECT_EQ(sel["result_count"], 2) << sel;
  EXPECT_EQ(sel["has_job"], true);
  EXPECT_EQ(sel["has_instance"], true);
  EXPECT_EQ(sel["sample_labels"], json::array({"__name__", "instance", "job"})) << sel;

  auto [s2, ql] =
      Call("POST", "/api/validate-query",
           {{"connection", Connection(vm_->url())}, {"query", "sum(vm_data_size_bytes)"}});
  ASSERT_EQ(s2, 200) << ql;
  EXPECT_EQ(ql["query_type"], "metricsql");
  EXPECT_EQ(ql["result_count"], 1);
  EXPECT_EQ(ql["has_job"], false);

  auto [s3, bad] = Call("POST", "/api/validate-query",
                        {{"connection", Connection(vm_->url())}, {"query", "sum("}});
  EXPECT_EQ(s3, 400) << bad;
  EXPECT_TRUE(bad["error"].is_string()) << bad;

  auto [s4, jobs] = Call("POST", "/api/discover-selector",
                         {{"connection", Connection(vm_->url())},
                          {"time_range", Range()},
                          {"selector", R"({__name__=~"vm_app_version|vm_data_size_bytes"})"}});
  ASSERT_EQ(s4, 200) << jobs;
  std::map<std::string, json> by_job;
  for (const json& j : jobs["jobs"]) by_job[j["job"].get<std::string>()] = j;
  ASSERT_EQ(by_job.size(), 3u) << jobs;
  EXPECT_EQ(by_job["vmstorage-prod"]["instance_count"], 2);
  EXPECT_EQ(by_job["vmstorage-prod"]["metrics_count_estimate"], 4);
  EXPECT_EQ(by_job["vmagent-prod"]["instance_count"], 1);
  EXPECT_EQ(by_job["vmagent-prod"]["metrics_count_estimate"], 1);
}

TEST_F(VmgatherContract, CustomSelectorExportKeepsOnlyTheChosenJobs) {
  // vmgather's startExport() in custom selector mode: components [], the jobs kept in step 5.
  json body = ClusterExport(json::array(), {"vmagent-prod"}, false);
  body["mode"] = "custom";
  body["query_type"] = "selector";
  body["query"] = R"({__name__=~"vm_app_version|vmagent_.*"})";
  auto [status, start] = Call("POST", "/api/export/start", body);
  ASSERT_EQ(status, 200) << start;
  for (const char* n : {"job_id", "state", "staging_path"})
    EXPECT_TRUE(start[n].is_string()) << n << start;
  EXPECT_TRUE(start["total_batches"].is_number_integer()) << start;
  EXPECT_TRUE(start["batch_window_seconds"].is_number_integer()) << start;
  EXPECT_EQ(start["obfuscation_enabled"], false);

  json done = WaitForEnd(start["job_id"]);
  ASSERT_EQ(done["state"], "completed") << done;
  EXPECT_EQ(done["progress"], 1.0);
  EXPECT_TRUE(IsRfc3339(done["started_at"])) << done;
  EXPECT_TRUE(IsRfc3339(done["completed_at"])) << done;
  json& r = done["result"];
  for (const char* n : {"export_id", "archive_path", "archive_name", "sha256"})
    EXPECT_TRUE(r[n].is_string()) << n << r;
  EXPECT_TRUE(r["archive_size_bytes"].is_number_integer()) << r;
  EXPECT_TRUE(IsRfc3339(r["time_range"]["start"])) << r;
  EXPECT_EQ(r["obfuscation_applied"], false);
  const std::vector<json> lines = JsonLines(BundleEntries(r["archive_path"])["metrics.jsonl"]);
  EXPECT_EQ(r["metrics_exported"], lines.size()) << r;  // vmgather counts the JSON lines written
  std::set<std::string> names;
  for (const json& l : lines) {
    EXPECT_EQ(l["metric"]["job"], "vmagent-prod") << l;
    names.insert(l["metric"]["__name__"].get<std::string>());
  }
  EXPECT_EQ(names, (std::set<std::string>{"vm_app_version", "vmagent_remotewrite_requests_total"}));
}

TEST_F(VmgatherContract, CancelAndResumeAsVmgathersUiDoes) {
  // Export requests wait at the proxy's gate, so the cancel below always meets a running job.
  FaultProxy proxy(vm_->port());
  proxy.CloseGateAfter(0);
  json body = ClusterExport(json::array(), json::array(), false);
  body["connection"] = Connection(proxy.url());
  body["mode"] = "custom";
  body["query_type"] = "selector";
  body["query"] = R"({job="vmagent-prod"})";
  auto [status, start] = Call("POST", "/api/export/start", body);
  ASSERT_EQ(status, 200) << start;
  const std::string id = start["job_id"];
  ASSERT_TRUE(proxy.WaitUntilHeld(1));

  auto [sc, cancel] = Call("POST", "/api/export/cancel", {{"job_id", id}});
  ASSERT_EQ(sc, 200) << cancel;
  EXPECT_EQ(cancel["canceled"], true);
  EXPECT_EQ(cancel["job_id"], id);
  EXPECT_EQ(cancel["state"], "canceled") << cancel;
  json canceled = Call("GET", "/api/export/status?id=" + id).second;
  ExpectStatusShape(canceled);
  EXPECT_EQ(canceled["state"], "canceled") << canceled;
  EXPECT_TRUE(canceled["eta"].is_null()) << canceled;

  proxy.OpenGate();
  auto [sr, resumed] = Call("POST", "/api/export/resume", {{"job_id", id}});
  ASSERT_EQ(sr, 200) << resumed;
  EXPECT_EQ(resumed["job_id"], id);
  for (const char* n : {"total_batches", "completed_batches", "batch_window_seconds"}) {
    EXPECT_TRUE(resumed[n].is_number_integer()) << n << resumed;
  }
  json done = WaitForEnd(id);
  ASSERT_EQ(done["state"], "completed") << done;
  EXPECT_EQ(JsonLines(BundleEntries(done["result"]["archive_path"])["metrics.jsonl"]).size(),
            done["result"]["metrics_exported"]);
}

TEST_F(VmgatherContract, LegacySynchronousExportWithVictoriaAndNoJobs) {
  auto [status, e] = Call("POST", "/api/export", ClusterExport({"victoria"}, json::array(), false));
  ASSERT_EQ(status, 200) << e;
  for (const char* n : {"export_id", "archive_path", "archive_name", "sha256"})
    EXPECT_TRUE(e[n].is_string()) << n << e;
  EXPECT_TRUE(e["archive_size"].is_number_integer()) << e;
  EXPECT_EQ(e["obfuscation_applied"], false);
  std::map<std::string, std::string> bundle = BundleEntries(e["archive_path"]);
  const std::vector<json> lines = JsonLines(bundle["metrics.jsonl"]);
  EXPECT_EQ(e["metrics_count"], lines.size()) << e;  // vmgather: JSON lines written
  EXPECT_EQ(e["series_count"], 3) << e;              // ours: distinct series
  EXPECT_EQ(e["samples_count"], 3 * 240) << e;
  for (const json& l : lines) EXPECT_EQ(l["metric"]["job"], "victoria-metrics") << l;
  ASSERT_TRUE(e["sample_data"].is_array() && !e["sample_data"].empty()) << e;
  for (const json& row : e["sample_data"]) {
    EXPECT_TRUE(row["name"].is_string() && row["labels"].is_object() && row["value"].is_number())
        << row;
  }
  json meta = json::parse(bundle["metadata.json"], nullptr, false);
  EXPECT_EQ(meta["components"], json::array({"vmsingle"})) << meta;
  EXPECT_EQ(meta["component_aliases"]["victoria"], "vmsingle") << meta;
}

TEST_F(VmgatherContract, ErrorsAndMethodsAsVmgather) {
  EXPECT_EQ(Call("POST", "/api/export/cancel", {{"job_id", "no-such-job"}}).first, 400);
  EXPECT_EQ(Call("POST", "/api/export/resume", {{"job_id", "no-such-job"}}).first, 400);
  EXPECT_EQ(Call("GET", "/api/export/status?id=no-such-job").first, 404);
  for (const char* path : {"/api/validate", "/api/sample", "/api/export/start",
                           "/api/validate-query", "/api/fs/check"}) {
    auto [status, e] = Call("GET", path);
    EXPECT_EQ(status, 405) << path;
    EXPECT_TRUE(e["error"].is_string()) << path << e;
  }
  EXPECT_EQ(Call("POST", "/api/export/status?id=x", json::object()).first, 405);
  EXPECT_EQ(Call("POST", "/api/config", json::object()).first, 405);
}

TEST_F(VmgatherContract, DirectoryPickerListsDirectoriesOnly) {
  TempDir dir;
  fs::create_directories(dir.path() + "/alpha");
  fs::create_directories(dir.path() + "/beta");
  std::ofstream(dir.path() + "/secret.txt") << "not for the browser";

  auto [status, l] = Call("GET", "/api/fs/list?path=" + dir.path());
  ASSERT_EQ(status, 200) << l;
  EXPECT_EQ(l["path"], dir.path());
  EXPECT_EQ(l["parent"], fs::path(dir.path()).parent_path().string());
  EXPECT_EQ(l["exists"], true);
  ASSERT_EQ(l["entries"].size(), 2u) << l;
  EXPECT_EQ(l["entries"][0]["name"], "alpha");
  EXPECT_EQ(l["entries"][0]["path"], dir.path() + "/alpha");
  EXPECT_EQ(l["entries"][0]["writable"], true);
  EXPECT_EQ(l.dump().find("secret"), std::string::npos) << l;
  EXPECT_EQ(Call("GET", "/api/fs/list?path=" + dir.path() + "/nope").second["exists"], false);
  EXPECT_EQ(Call("GET", "/api/fs/list?path=" + dir.path() + "/secret.txt").first, 400);

  const std::string fresh = dir.path() + "/new/staging";
  auto [s1, c1] = Call("POST", "/api/fs/check", {{"path", fresh}});
  ASSERT_EQ(s1, 200) << c1;
  EXPECT_EQ(c1["ok"], false);
  EXPECT_EQ(c1["exists"], false);
  EXPECT_EQ(c1["can_create"], true);
  EXPECT_EQ(c1["abs_path"], fresh);
  EXPECT_FALSE(fs::exists(fresh));
  auto [s2, c2] = Call("POST", "/api/fs/check", {{"path", fresh}, {"ensure", true}});
  ASSERT_EQ(s2, 200) << c2;
  EXPECT_EQ(c2["ok"], true);
  EXPECT_EQ(c2["exists"], true);
  EXPECT_TRUE(fs::is_directory(fresh));
  EXPECT_TRUE(fs::is_empty(fresh));  // the write probe is gone
  EXPECT_EQ(Call("POST", "/api/fs/check", {{"path", dir.path() + "/secret.txt"}}).first, 400);

  // Behind the same session token as every other route.
  EXPECT_EQ(HttpCall("GET", server_->base() + "/api/fs/list?path=/").status, 401);
}

// vmgather's scripted form at top level: `-oneshot -oneshot-config FILE|- [-export-stdout]`.
TEST_F(VmgatherContract, OneshotAtTopLevel) {
  TempDir dir;
  json config = ClusterExport({"vmagent"}, json::array(), true);
  config["staging_dir"] = dir.path() + "/staging";
  const std::string cfg = dir.path() + "/export.json";
  std::ofstream(cfg) << config.dump();

  const CommandRun bundle = RunCommand(VmexporterBinary() + " -oneshot -oneshot-config " + cfg +
                                       " -output " + dir.path() + "/out");
  ASSERT_EQ(bundle.code, 0) << bundle.err;
  std::vector<fs::path> zips;
  for (const auto& e : fs::directory_iterator(dir.path() + "/out")) {
    if (e.path().extension() == ".zip") zips.push_back(e.path());
  }
  ASSERT_EQ(zips.size(), 1u) << bundle.err;
  EXPECT_EQ(JsonLines(BundleEntries(zips[0].string())["metrics.jsonl"]).size(), 2u);

  const CommandRun stream =
      RunCommand(VmexporterBinary() + " -oneshot -oneshot-config - -export-stdout < " + cfg);
  ASSERT_EQ(stream.code, 0) << stream.err;
  const std::vector<json> lines = JsonLines(stream.out);
  ASSERT_EQ(lines.size(), 2u) << stream.out;
  for (const json& l : lines) {
    ASSERT_TRUE(l.is_object()) << stream.out;  // stdout carries nothing but JSON lines
    EXPECT_EQ(l["metric"]["job"], "vmagent-job-1") << l;
    EXPECT_EQ(l["metric"]["instance"].get<std::string>().rfind("777.777.", 0), 0u) << l;
    EXPECT_EQ(l["values"].size(), l["timestamps"].size());
  }

  // Bad input exits 1, as vmgather does.
  std::ofstream(dir.path() + "/bad.json") << R"({"time_range": {}})";
  EXPECT_EQ(
      RunCommand(VmexporterBinary() + " -oneshot -oneshot-config " + dir.path() + "/bad.json").code,
      1);
  EXPECT_EQ(RunCommand(VmexporterBinary() + " -oneshot").code, 1);
  EXPECT_EQ(
      RunCommand(VmexporterBinary() + " -oneshot -oneshot-config " + cfg + " -no-such-flag").code,
      1);
}

}  // namespace
}  // namespace vmx::testing
