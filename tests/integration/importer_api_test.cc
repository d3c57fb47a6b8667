// vmimport's REST API on the real binary against real VictoriaMetrics: a multipart upload is
// stored, preflighted, imported and verified; the upload limit, the connection check with wrong
// credentials and a job that does not exist give clear errors. Issue 18: a job starts once (two
// simultaneous clicks start one import, a click after the end sends nothing), the upload copy
// goes when the job completes, the count at the target equals the bundle's, a cancel during the
// verification is honoured, and a project ID without an account ID or a vmselect URL is refused
// with the way out. Issue 13: the page's tenant fields reach the account:project path, the
// target's label limit is warned about before the import, and a cancel while sending keeps
// exactly what the target acknowledged for the resume.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/import_fault_proxy.h"
#include "support/importer_api_calls.h"
#include "support/sample_count.h"
#include "support/test_files.h"
#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

std::string Lines(int series, int samples, int64_t end_ms) {
  std::string out;
  for (int s = 0; s < series; ++s) {
    std::string v;
    std::string t;
    for (int k = 0; k < samples; ++k) {
      v += (k ? "," : "") + std::to_string(k);
      t += (k ? "," : "") + std::to_string(end_ms - int64_t{15'000} * (samples - 1 - k));
    }
    out += fmt::format(R"({{"metric":{{"__name__":"api_m","job":"api","s":"{}"}},"values":[{}],"timestamps":[{}]}})" "\n",
                       s, v, t);
  }
  return out;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using Answer = ImporterAnswer;

TEST(ImporterApi, UploadPreflightImportAndVerify) {
  VmSingle target;
  ServerBinary app(VmimportBinary(), {});
  const int64_t end = NowMs() / 1000 * 1000 - 120'000;
  const nlohmann::json connection = {{"url", target.url()}};

  Answer up = ImporterUpload(app, Lines(30, 20, end) + "{broken\n", {{"start", false}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(up.body["state"], "uploaded") << up.body;
  const std::string id = up.body["job_id"];

  Answer pre = ImporterCall(app, "POST", "/api/preflight",
                            {{"job_id", id}, {"config", {{"connection", connection}}}});
  ASSERT_EQ(pre.status, 200) << pre.body;
  EXPECT_EQ(pre.body["series"], 30);
  EXPECT_EQ(pre.body["samples"], 600);
  EXPECT_EQ(pre.body["lines"], 31);
  EXPECT_EQ(pre.body["malformed_lines"], 1);
  EXPECT_EQ(pre.body["first_malformed"][0]["line"], 31);
  EXPECT_EQ(pre.body["span_seconds"], 19 * 15);
  EXPECT_EQ(pre.body["target_max_labels"], 30);  // read from the target's own flags
  EXPECT_EQ(pre.body["retention"], "100y");
  EXPECT_EQ(pre.body["samples_outside_retention"], 0);

  Answer start = ImporterCall(app, "POST", "/api/import/start",
                              {{"job_id", id}, {"config", {{"connection", connection}}}});
  ASSERT_EQ(start.status, 200) << start.body;
  const Answer st = WaitForImport(app, id, ImportEnded, 60);
  ASSERT_EQ(st.body["state"], "completed") << st.body;
  EXPECT_EQ(st.body["report"]["verification"]["outcome"], "verified") << st.body;
  EXPECT_EQ(st.body["report"]["verification"]["samples_found"], 600);
  EXPECT_EQ(st.body["report"]["lines_rejected"], 1);
  EXPECT_EQ(st.body["progress"]["samples_sent"], 600);

  HttpAnswer rejects = app.Api("GET", "/api/import/rejects?id=" + id);
  EXPECT_EQ(rejects.status, 200);
  EXPECT_NE(rejects.body.find("{broken"), std::string::npos) << rejects.body;
}

TEST(ImporterApi, ImportThatFailsWhileTheTargetIsDownResumesAfterItReturns) {
  VmSingle target;
  target.Stop();  // keeps its port: every attempt is refused until it starts again
  ServerBinary app(VmimportBinary(), {});
  const int64_t end = NowMs() / 1000 * 1000 - 120'000;
  Answer up = ImporterUpload(app, Lines(10, 10, end), {{"connection", {{"url", target.url()}}}});
  ASSERT_EQ(up.status, 200) << up.body;
  const std::string id = up.body["job_id"];
  Answer failed = WaitForImport(app, id, ImportEnded, 60);
  ASSERT_EQ(failed.body["state"], "failed") << failed.body;
  EXPECT_NE(failed.body["error"].get<std::string>().find("attempt 5/5"), std::string::npos) << failed.body;
  EXPECT_EQ(failed.body["can_resume"], true);

  target.Start();
  Answer resumed = ImporterCall(app, "POST", "/api/import/resume", {{"job_id", id}});
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  Answer done = WaitForImport(app, id, ImportEnded, 60);
  ASSERT_EQ(done.body["state"], "completed") << done.body;
  EXPECT_EQ(done.body["report"]["verification"]["outcome"], "verified") << done.body;
  EXPECT_EQ(done.body["report"]["samples_sent"], 100);

  // A finished import cannot be resumed; cancel of a job that is not running says so.
  EXPECT_EQ(ImporterCall(app, "POST", "/api/import/resume", {{"job_id", id}}).status, 409);
  EXPECT_EQ(ImporterCall(app, "POST", "/api/import/cancel", {{"job_id", id}}).status, 409);
}

TEST(ImporterApi, UploadOverTheLimitIsRefusedClearly) {
  ServerBinary app(VmimportBinary(), {"-max-upload-size=4096"});
  Answer up = ImporterUpload(app, Lines(100, 20, NowMs()), {{"start", false}});
  EXPECT_EQ(up.status, 413) << up.body;
  EXPECT_NE(up.body.dump().find("4096"), std::string::npos) << up.body;
}

// Seen while fuzzing the upload (tests/fuzz/upload_form_fuzz.cc): a form refused half-way left
// the rest of its body in the keep-alive connection, where the server read it as the next
// request and answered that one with an empty 400.
TEST(ImporterApi, RefusedUploadDoesNotPoisonTheConnection) {
  ServerBinary app(VmimportBinary(), {});
  httplib::Client cli(app.base());
  cli.set_keep_alive(true);
  cli.set_read_timeout(30);
  httplib::Headers headers = {{"X-Auth-Token", app.token()}};
  httplib::MultipartFormDataItems items = {
      {"bundle", "{}\n", "a.jsonl", "application/octet-stream"},
      {"bundle", std::string(256 << 10, 'x'), "b.jsonl", "application/octet-stream"},
  };
  httplib::Result up = cli.Post("/api/upload", headers, items);
  ASSERT_TRUE(up) << httplib::to_string(up.error());
  EXPECT_EQ(up->status, 400) << up->body;
  EXPECT_NE(up->body.find("more than one `bundle` part"), std::string::npos) << up->body;
  httplib::Result next = cli.Get("/api/config", headers);
  ASSERT_TRUE(next) << httplib::to_string(next.error());
  EXPECT_EQ(next->status, 200) << next->body;
  EXPECT_TRUE(nlohmann::json::parse(next->body, nullptr, false).contains("max_upload_bytes")) << next->body;
}

TEST(ImporterApi, ConnectionCheckExplainsWrongCredentialsAndUnknownJobs) {
  VmSingle target;
  VmAuth auth(fmt::format("users:\n  - username: \"u\"\n    password: \"right\"\n    url_prefix: \"{}\"\n", target.url()));
  ServerBinary app(VmimportBinary(), {});
  Answer bad =
      ImporterCall(app, "POST", "/api/connection/check",
                   {{"connection",
                     {{"url", auth.url()},
                      {"auth", {{"type", "basic"}, {"username", "u"}, {"password", "wrong"}}}}}});
  ASSERT_EQ(bad.status, 200) << bad.body;
  EXPECT_EQ(bad.body["ok"], false);
  EXPECT_NE(bad.body["hint"].get<std::string>().find("username/password"), std::string::npos) << bad.body;
  EXPECT_EQ(bad.body.dump().find("wrong"), std::string::npos) << "password echoed: " << bad.body;

  Answer good =
      ImporterCall(app, "POST", "/api/connection/check",
                   {{"connection",
                     {{"url", auth.url()},
                      {"auth", {{"type", "basic"}, {"username", "u"}, {"password", "right"}}}}}});
  EXPECT_EQ(good.body["ok"], true) << good.body;

  Answer missing = ImporterCall(app, "GET", "/api/import/status?id=nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body["error"].get<std::string>().find("no import"), std::string::npos);
}

TEST(ImporterJobs, TwoSimultaneousStartsAndAClickAfterTheEndSendTheBundleOnce) {
  VmSingle vm;
  ServerBinary app(VmimportBinary(), {});
  const nlohmann::json config = {{"connection", {{"url", vm.url()}}}, {"time_shift", "now"}};
  Answer up = ImporterUpload(app, Lines(20, 30, NowMs() - 3'600'000), {{"start", false}});
  ASSERT_EQ(up.status, 200) << up.body;
  const std::string id = up.body["job_id"];
  // The preflight scans once; the start reuses that scan.
  Answer pre = ImporterCall(app, "POST", "/api/preflight", {{"job_id", id}, {"config", config}});
  ASSERT_EQ(pre.status, 200) << pre.body;
  EXPECT_EQ(pre.body["samples"], 600);
  EXPECT_EQ(pre.body["shifted_into_future"], false) << pre.body;

  Answer a;
  Answer b;
  std::thread ta([&] {
    a = ImporterCall(app, "POST", "/api/import/start", {{"job_id", id}, {"config", config}});
  });
  std::thread tb([&] {
    b = ImporterCall(app, "POST", "/api/import/start", {{"job_id", id}, {"config", config}});
  });
  ta.join();
  tb.join();
  EXPECT_EQ((a.status == 200) + (b.status == 200), 1) << a.body << b.body;
  EXPECT_EQ((a.status == 409) + (b.status == 409), 1) << a.body << b.body;

  Answer done = WaitForImport(app, id, ImportEnded);
  ASSERT_EQ(done.body["state"], "completed") << done.body;
  EXPECT_EQ(done.body["report"]["verification"]["outcome"], "verified") << done.body;
  EXPECT_EQ(done.body["bundle"]["removed"], true) << done.body;
  EXPECT_EQ(done.body["can_start"], false);
  EXPECT_EQ(SamplesAt(vm, "api_m"), 600u);

  Answer again =
      ImporterCall(app, "POST", "/api/import/start", {{"job_id", id}, {"config", config}});
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(again.body["hint"].get<std::string>().find("upload the bundle again"),
            std::string::npos)
      << again.body;
  EXPECT_EQ(SamplesAt(vm, "api_m"), 600u);
}

TEST(ImporterJobs, CancelDuringVerificationIsHonoured) {
  VmSingle vm;
  ImportFaultProxy proxy(vm.url(), [](int) { return ImportFaultProxy::Action::kForward; });
  ServerBinary app(VmimportBinary(), {});
  proxy.set_queries_answer_empty(true);  // the samples never seem to arrive: verification waits
  Answer up = ImporterUpload(app, Lines(5, 10, NowMs() - 600'000),
                             {{"connection", {{"url", proxy.url()}}}});
  ASSERT_EQ(up.status, 200) << up.body;
  const std::string id = up.body["job_id"];
  Answer verifying = WaitForImport(app, id, [](const Answer& a) {
    return ImportEnded(a) || a.body["progress"].value("phase", "") == "verifying";
  });
  ASSERT_EQ(verifying.body["progress"]["phase"], "verifying") << verifying.body;
  const int queries_before = proxy.queries();
  ASSERT_EQ(ImporterCall(app, "POST", "/api/import/cancel", {{"job_id", id}}).status, 200);
  Answer canceled =
      WaitForImport(app, id, ImportEnded);  // far sooner than the 60 s verification timeout
  EXPECT_EQ(canceled.body["state"], "canceled") << canceled.body;
  EXPECT_LE(proxy.queries() - queries_before, 4) << "verification went on after the cancel";
  EXPECT_EQ(SamplesAt(vm, "api_m"), 50u);
}

// The page's tenant fields (account and project ID) send the import to the cluster path
// /insert/<account>:<project>/prometheus, as the command line's -tenant does. The target is a
// victoria-metrics serving exactly that path (-http.pathPrefix), so a write anywhere else is
// refused and what it holds came through the tenant's path. The page's drop_labels and a
// separate read URL for the verification go along.
TEST(ImporterApi, TenantFieldsWriteToTheAccountAndProjectPath) {
  VmSingle tenant_path(
      VmSingleOptions{.path_prefix = "/insert/42:5", .retention = "100y", .extra_flags = {}});
  ServerBinary app(VmimportBinary(), {});
  const int64_t end = NowMs() / 1000 * 1000 - 120'000;
  const nlohmann::json config = {{"connection",
                                  {{"url", tenant_path.root_url()},
                                   {"tenant_id", "42"},
                                   {"project_id", "5"},
                                   {"read_url", tenant_path.url() + "/prometheus"}}},
                                 {"drop_labels", {"s"}}};
  // One series per line, each with its own "s": dropping it merges nothing but removes the label.
  std::string lines;
  for (int s = 0; s < 6; ++s) {
    lines += fmt::format(
        R"({{"metric":{{"__name__":"api_tenant_{}","job":"api","s":"{}"}},"values":[1,2,3],"timestamps":[{},{},{}]}})"
        "\n",
        s, s, end - 30'000, end - 15'000, end);
  }
  const Answer up = ImporterUpload(app, lines, config);
  ASSERT_EQ(up.status, 200) << up.body;
  const Answer done = WaitForImport(app, up.body["job_id"], ImportEnded);
  ASSERT_EQ(done.body["state"], "completed") << done.body;
  EXPECT_EQ(done.body["report"]["tenant"], "42:5") << done.body;
  EXPECT_NE(done.body["report"]["target"].get<std::string>().find(
                "/insert/42:5/prometheus/api/v1/import"),
            std::string::npos)
      << done.body;
  EXPECT_EQ(done.body["report"]["verification"]["outcome"], "verified") << done.body;
  EXPECT_EQ(SamplesAt(tenant_path, R"({__name__=~"api_tenant_.*"})"), 18u);
  EXPECT_EQ(tenant_path.Get("/api/v1/series?match[]=%7Bs!%3D%22%22%7D"),
            R"({"status":"success","data":[]})")
      << "the dropped label reached the target";

  // The command line's -tenant=account:project lands in the same place (counted here: a cluster
  // target makes samples searchable only after its next flush, which verification would wait for).
  TempDir dir;
  WriteFile(dir.path() + "/cli.jsonl", Lines(3, 4, end));
  const CommandRun cli =
      RunCommand(ShellQuote(VmimportBinary()) + " import -url=" + tenant_path.root_url() +
                 " -tenant=42:5 -no-verify " + ShellQuote(dir.path() + "/cli.jsonl"));
  ASSERT_EQ(cli.code, 0) << cli.out << cli.err;
  EXPECT_EQ(SamplesAt(tenant_path, "api_m"), 12u);
}

// The target's -maxLabelsPerTimeseries is read from the target itself and the preflight warns
// about the series above it before anything is sent; VictoriaMetrics then cuts exactly those
// series' extra labels, as the warning said it would.
TEST(ImporterApi, LabelLimitOfTheTargetIsWarnedAboutBeforeTheImport) {
  VmSingle target(VmSingleOptions{
      .path_prefix = "", .retention = "100y", .extra_flags = {"-maxLabelsPerTimeseries=4"}});
  ServerBinary app(VmimportBinary(), {});
  const int64_t end = NowMs() / 1000 * 1000 - 120'000;
  // 3 series with 3 labels (__name__, job, s) and 2 with 6.
  std::string lines = Lines(3, 5, end);
  for (int s = 0; s < 2; ++s) {
    lines += fmt::format(
        R"({{"metric":{{"__name__":"api_wide","job":"api","s":"{}","a":"1","b":"2","c":"3"}},"values":[1],"timestamps":[{}]}})"
        "\n",
        s, end);
  }
  const nlohmann::json config = {{"connection", {{"url", target.url()}}}};
  const Answer up = ImporterUpload(app, lines, {{"start", false}});
  ASSERT_EQ(up.status, 200) << up.body;
  const std::string id = up.body["job_id"];
  const Answer pre =
      ImporterCall(app, "POST", "/api/preflight", {{"job_id", id}, {"config", config}});
  ASSERT_EQ(pre.status, 200) << pre.body;
  EXPECT_EQ(pre.body["target_max_labels"], 4) << pre.body;
  EXPECT_EQ(pre.body["max_labels_per_series"], 6) << pre.body;
  EXPECT_EQ(pre.body["series_over_label_limit"], 2) << pre.body;

  ASSERT_EQ(
      ImporterCall(app, "POST", "/api/import/start", {{"job_id", id}, {"config", config}}).status,
      200);
  const Answer done = WaitForImport(app, id, ImportEnded);
  EXPECT_NE(done.body["state"], "running") << done.body;
  const std::string series = target.Get("/api/v1/series?match[]=api_wide");
  EXPECT_EQ(series.find("\"c\""), std::string::npos)
      << "VictoriaMetrics kept labels past its limit: " << series;
  EXPECT_EQ(SamplesAt(target, "api_m"), 15u) << "series within the limit arrive untouched";
  EXPECT_EQ(done.body["report"]["series_over_label_limit"], 2) << done.body;

  // The command line reads the same limit and says so in its summary.
  TempDir dir;
  std::string wide;
  for (int s = 0; s < 2; ++s) {
    wide += fmt::format(
        R"({{"metric":{{"__name__":"cli_wide","job":"api","s":"{}","a":"1","b":"2","c":"3"}},"values":[1],"timestamps":[{}]}})"
        "\n",
        s, end);
  }
  WriteFile(dir.path() + "/wide.jsonl", wide);
  const CommandRun cli = RunCommand(ShellQuote(VmimportBinary()) + " import -url=" + target.url() +
                                    " " + ShellQuote(dir.path() + "/wide.jsonl"));
  EXPECT_EQ(cli.code, 0) << cli.out << cli.err;
  EXPECT_NE(cli.out.find("label limit:     2 series have more labels than the target's "
                         "-maxLabelsPerTimeseries=4"),
            std::string::npos)
      << cli.out;
}

// A cancel while batches are being sent stops the job with what the target acknowledged; a
// resume sends only the rest, so the target ends with every sample exactly once. The page sends
// 4 MiB batches: a bundle of ~4.8 MiB makes two, the second refused (503, retried) until the
// cancel.
TEST(ImporterJobs, CancelWhileSendingKeepsTheAcknowledgedAndResumeSendsTheRest) {
  VmSingle vm;
  std::atomic<bool> overloaded{true};
  ImportFaultProxy proxy(vm.url(), [&](int n) {
    return n >= 1 && overloaded.load() ? ImportFaultProxy::Action::kRefuse503
                                       : ImportFaultProxy::Action::kForward;
  });
  ServerBinary app(VmimportBinary(), {});
  const std::string bundle = Lines(4500, 60, NowMs() - 3'600'000);
  ASSERT_GT(bundle.size(), 4u << 20);
  ASSERT_LT(bundle.size(), 8u << 20);
  const Answer up = ImporterUpload(app, bundle, {{"connection", {{"url", proxy.url()}}}});
  ASSERT_EQ(up.status, 200) << up.body;
  const std::string id = up.body["job_id"];
  // The second batch has been refused and is being retried: the import is mid-way.
  ASSERT_TRUE(WaitFor([&] { return proxy.imports() >= 3; }, 60000))
      << ImporterCall(app, "GET", "/api/import/status?id=" + id).body;
  ASSERT_EQ(ImporterCall(app, "POST", "/api/import/cancel", {{"job_id", id}}).status, 200);
  const Answer canceled = WaitForImport(app, id, ImportEnded);
  ASSERT_EQ(canceled.body["state"], "canceled") << canceled.body;
  EXPECT_EQ(canceled.body["can_resume"], true) << canceled.body;
  const uint64_t acknowledged = canceled.body["progress"]["samples_sent"];
  EXPECT_GT(acknowledged, 0u) << canceled.body;
  EXPECT_LT(acknowledged, 270'000u) << canceled.body;
  EXPECT_EQ(SamplesAt(vm, "api_m"), acknowledged);

  overloaded.store(false);
  ASSERT_EQ(ImporterCall(app, "POST", "/api/import/resume", {{"job_id", id}}).status, 200);
  const Answer done = WaitForImport(app, id, ImportEnded);
  ASSERT_EQ(done.body["state"], "completed") << done.body;
  EXPECT_EQ(done.body["report"]["verification"]["outcome"], "verified") << done.body;
  EXPECT_EQ(SamplesAt(vm, "api_m"), 270'000u);
}

TEST(ImporterJobs, ProjectWithoutAccountAndVmselectUrlAreRefusedWithTheWayOut) {
  ServerBinary app(VmimportBinary(), {});
  Answer project =
      ImporterCall(app, "POST", "/api/connection/check",
                   {{"connection", {{"url", "http://127.0.0.1:1"}, {"project_id", "5"}}}});
  EXPECT_EQ(project.status, 400) << project.body;
  EXPECT_NE(project.body["error"].get<std::string>().find(
                "project_id \"5\" is given without a tenant_id"),
            std::string::npos)
      << project.body;
  Answer select =
      ImporterCall(app, "POST", "/api/connection/check",
                   {{"connection", {{"url", "http://127.0.0.1:1/select/7/prometheus"}}}});
  EXPECT_EQ(select.status, 400) << select.body;
  EXPECT_NE(select.body["hint"].get<std::string>().find("/insert/7/prometheus"), std::string::npos)
      << select.body;
}

}  // namespace
}  // namespace vmx::testing
