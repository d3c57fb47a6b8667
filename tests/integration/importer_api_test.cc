// vmimport's REST API on the real binary against real VictoriaMetrics: a multipart upload is
// stored, preflighted, imported and verified; the upload limit, the connection check with wrong
// credentials and a job that does not exist give clear errors. Issue 18: a job starts once (two
// simultaneous clicks start one import, a click after the end sends nothing), the upload copy
// goes when the job completes, the count at the target equals the bundle's, a cancel during the
// verification is honoured, and a project ID without an account ID or a vmselect URL is refused
// with the way out.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <thread>

#include <fmt/format.h>

#include "support/import_fault_proxy.h"
#include "support/sample_count.h"
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

struct Answer {
  int status = 0;
  nlohmann::json body;
};

Answer Upload(const ServerBinary& app, const std::string& bundle, const nlohmann::json& config) {
  httplib::Client cli(app.base());
  cli.set_read_timeout(60);
  httplib::Headers headers = {{"X-Auth-Token", app.token()}};
  httplib::MultipartFormDataItems items = {
      {"config", config.dump(), "", "application/json"},
      {"bundle", bundle, "metrics.jsonl", "application/octet-stream"},
  };
  httplib::Result r = cli.Post("/api/upload", headers, items);
  if (!r) return {};
  return {r->status, nlohmann::json::parse(r->body, nullptr, false)};
}

Answer Call(const ServerBinary& app, const std::string& method, const std::string& path, const nlohmann::json& body = {}) {
  HttpAnswer a = app.Api(method, path, body.is_null() ? "" : body.dump());
  return {a.status, nlohmann::json::parse(a.body, nullptr, false)};
}

TEST(ImporterApi, UploadPreflightImportAndVerify) {
  VmSingle target;
  ServerBinary app(VmimportBinary(), {});
  const int64_t end = NowMs() / 1000 * 1000 - 120'000;
  const nlohmann::json connection = {{"url", target.url()}};

  Answer up = Upload(app, Lines(30, 20, end) + "{broken\n", {{"start", false}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(up.body["state"], "uploaded") << up.body;
  const std::string id = up.body["job_id"];

  Answer pre = Call(app, "POST", "/api/preflight", {{"job_id", id}, {"config", {{"connection", connection}}}});
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

  Answer start = Call(app, "POST", "/api/import/start", {{"job_id", id}, {"config", {{"connection", connection}}}});
  ASSERT_EQ(start.status, 200) << start.body;
  Answer st;
  for (int i = 0; i < 600; ++i) {
    st = Call(app, "GET", "/api/import/status?id=" + id);
    if (st.body["state"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(st.body["state"], "completed") << st.body;
  EXPECT_EQ(st.body["report"]["verification"]["outcome"], "verified") << st.body;
  EXPECT_EQ(st.body["report"]["verification"]["samples_found"], 600);
  EXPECT_EQ(st.body["report"]["lines_rejected"], 1);
  EXPECT_EQ(st.body["progress"]["samples_sent"], 600);

  HttpAnswer rejects = app.Api("GET", "/api/import/rejects?id=" + id);
  EXPECT_EQ(rejects.status, 200);
  EXPECT_NE(rejects.body.find("{broken"), std::string::npos) << rejects.body;
}

Answer WaitWhileRunning(const ServerBinary& app, const std::string& id) {
  Answer st;
  for (int i = 0; i < 600; ++i) {
    st = Call(app, "GET", "/api/import/status?id=" + id);
    if (st.body["state"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return st;
}

TEST(ImporterApi, ImportThatFailsWhileTheTargetIsDownResumesAfterItReturns) {
  VmSingle target;
  target.Stop();  // keeps its port: every attempt is refused until it starts again
  ServerBinary app(VmimportBinary(), {});
  const int64_t end = NowMs() / 1000 * 1000 - 120'000;
  Answer up = Upload(app, Lines(10, 10, end), {{"connection", {{"url", target.url()}}}});
  ASSERT_EQ(up.status, 200) << up.body;
  const std::string id = up.body["job_id"];
  Answer failed = WaitWhileRunning(app, id);
  ASSERT_EQ(failed.body["state"], "failed") << failed.body;
  EXPECT_NE(failed.body["error"].get<std::string>().find("attempt 5/5"), std::string::npos) << failed.body;
  EXPECT_EQ(failed.body["can_resume"], true);

  target.Start();
  Answer resumed = Call(app, "POST", "/api/import/resume", {{"job_id", id}});
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  Answer done = WaitWhileRunning(app, id);
  ASSERT_EQ(done.body["state"], "completed") << done.body;
  EXPECT_EQ(done.body["report"]["verification"]["outcome"], "verified") << done.body;
  EXPECT_EQ(done.body["report"]["samples_sent"], 100);

  // A finished import cannot be resumed; cancel of a job that is not running says so.
  EXPECT_EQ(Call(app, "POST", "/api/import/resume", {{"job_id", id}}).status, 409);
  EXPECT_EQ(Call(app, "POST", "/api/import/cancel", {{"job_id", id}}).status, 409);
}

TEST(ImporterApi, UploadOverTheLimitIsRefusedClearly) {
  ServerBinary app(VmimportBinary(), {"-max-upload-size=4096"});
  Answer up = Upload(app, Lines(100, 20, NowMs()), {{"start", false}});
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
  Answer bad = Call(app, "POST", "/api/connection/check",
                    {{"connection", {{"url", auth.url()}, {"auth", {{"type", "basic"}, {"username", "u"}, {"password", "wrong"}}}}}});
  ASSERT_EQ(bad.status, 200) << bad.body;
  EXPECT_EQ(bad.body["ok"], false);
  EXPECT_NE(bad.body["hint"].get<std::string>().find("username/password"), std::string::npos) << bad.body;
  EXPECT_EQ(bad.body.dump().find("wrong"), std::string::npos) << "password echoed: " << bad.body;

  Answer good = Call(app, "POST", "/api/connection/check",
                     {{"connection", {{"url", auth.url()}, {"auth", {{"type", "basic"}, {"username", "u"}, {"password", "right"}}}}}});
  EXPECT_EQ(good.body["ok"], true) << good.body;

  Answer missing = Call(app, "GET", "/api/import/status?id=nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body["error"].get<std::string>().find("no import"), std::string::npos);
}

// Polls the job until `done` holds for its status, with a deadline.
Answer WaitForJob(const ServerBinary& app, const std::string& id,
                  const std::function<bool(const Answer&)>& done) {
  Answer st;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < until) {
    st = Call(app, "GET", "/api/import/status?id=" + id);
    if (done(st)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return st;
}

bool Ended(const Answer& a) { return a.body.value("state", "") != "running"; }

TEST(ImporterJobs, TwoSimultaneousStartsAndAClickAfterTheEndSendTheBundleOnce) {
  VmSingle vm;
  ServerBinary app(VmimportBinary(), {});
  const nlohmann::json config = {{"connection", {{"url", vm.url()}}}, {"time_shift", "now"}};
  Answer up = Upload(app, Lines(20, 30, NowMs() - 3'600'000), {{"start", false}});
  ASSERT_EQ(up.status, 200) << up.body;
  const std::string id = up.body["job_id"];
  // The preflight scans once; the start reuses that scan.
  Answer pre = Call(app, "POST", "/api/preflight", {{"job_id", id}, {"config", config}});
  ASSERT_EQ(pre.status, 200) << pre.body;
  EXPECT_EQ(pre.body["samples"], 600);
  EXPECT_EQ(pre.body["shifted_into_future"], false) << pre.body;

  Answer a;
  Answer b;
  std::thread ta([&] {
    a = Call(app, "POST", "/api/import/start", {{"job_id", id}, {"config", config}});
  });
  std::thread tb([&] {
    b = Call(app, "POST", "/api/import/start", {{"job_id", id}, {"config", config}});
  });
  ta.join();
  tb.join();
  EXPECT_EQ((a.status == 200) + (b.status == 200), 1) << a.body << b.body;
  EXPECT_EQ((a.status == 409) + (b.status == 409), 1) << a.body << b.body;

  Answer done = WaitForJob(app, id, Ended);
  ASSERT_EQ(done.body["state"], "completed") << done.body;
  EXPECT_EQ(done.body["report"]["verification"]["outcome"], "verified") << done.body;
  EXPECT_EQ(done.body["bundle"]["removed"], true) << done.body;
  EXPECT_EQ(done.body["can_start"], false);
  EXPECT_EQ(SamplesAt(vm, "api_m"), 600u);

  Answer again = Call(app, "POST", "/api/import/start", {{"job_id", id}, {"config", config}});
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
  Answer up = Upload(app, Lines(5, 10, NowMs() - 600'000),
                     {{"connection", {{"url", proxy.url()}}}});
  ASSERT_EQ(up.status, 200) << up.body;
  const std::string id = up.body["job_id"];
  Answer verifying = WaitForJob(app, id, [](const Answer& a) {
    return Ended(a) || a.body["progress"].value("phase", "") == "verifying";
  });
  ASSERT_EQ(verifying.body["progress"]["phase"], "verifying") << verifying.body;
  const int queries_before = proxy.queries();
  ASSERT_EQ(Call(app, "POST", "/api/import/cancel", {{"job_id", id}}).status, 200);
  Answer canceled = WaitForJob(app, id, Ended);  // far sooner than the 60 s verification timeout
  EXPECT_EQ(canceled.body["state"], "canceled") << canceled.body;
  EXPECT_LE(proxy.queries() - queries_before, 4) << "verification went on after the cancel";
  EXPECT_EQ(SamplesAt(vm, "api_m"), 50u);
}

TEST(ImporterJobs, ProjectWithoutAccountAndVmselectUrlAreRefusedWithTheWayOut) {
  ServerBinary app(VmimportBinary(), {});
  Answer project = Call(app, "POST", "/api/connection/check",
                        {{"connection", {{"url", "http://127.0.0.1:1"}, {"project_id", "5"}}}});
  EXPECT_EQ(project.status, 400) << project.body;
  EXPECT_NE(project.body["error"].get<std::string>().find(
                "project_id \"5\" is given without a tenant_id"),
            std::string::npos)
      << project.body;
  Answer select = Call(app, "POST", "/api/connection/check",
                       {{"connection", {{"url", "http://127.0.0.1:1/select/7/prometheus"}}}});
  EXPECT_EQ(select.status, 400) << select.body;
  EXPECT_NE(select.body["hint"].get<std::string>().find("/insert/7/prometheus"), std::string::npos)
      << select.body;
}

}  // namespace
}  // namespace vmx::testing
