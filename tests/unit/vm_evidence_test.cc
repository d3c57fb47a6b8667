// Component classification from thin evidence, and VictoriaMetrics error answers turned into
// Status values (texts as VictoriaMetrics 1.79.5 and vmauth really send them).
#include <gtest/gtest.h>

#include "application/discovery/component_evidence.h"
#include "application/export/window_fetcher.h"
#include "infrastructure/vm/vm_answer_error.h"
#include "infrastructure/vm/vm_client.h"

namespace vmx {
namespace {

TEST(ComponentEvidence, VersionLabelWinsThenJobNameThenMetricNames) {
  JobClassification v =
      ClassifyJob("anything", "vmselect-20220808-094500-tags-v1.79.5-cluster-0-g", {});
  EXPECT_EQ(v.component, "vmselect");
  EXPECT_EQ(v.evidence, ComponentEvidence::kVersionLabel);

  JobClassification j = ClassifyJob("prod-VMStorage", "", {"vm_rpc_x"});
  EXPECT_EQ(j.component, "vmstorage");
  EXPECT_EQ(j.evidence, ComponentEvidence::kJobName);
  EXPECT_EQ(ClassifyJob("victoria-metrics", "", {}).component, "vmsingle");

  JobClassification m = ClassifyJob(
      "job-7", "", {"go_goroutines", "vmalert_alerts_firing", "vmalert_iteration_total"});
  EXPECT_EQ(m.component, "vmalert");
  EXPECT_EQ(m.evidence, ComponentEvidence::kMetricNames);
  EXPECT_EQ(ClassifyJob("x", "", {"vm_rpc_rows_sent_total", "vm_cache_entries"}).component,
            "vminsert");
  EXPECT_EQ(
      ClassifyJob("x", "", {"vm_cache_entries", "vm_rows_inserted_total", "vm_data_size_bytes"})
          .component,
      "vmsingle");

  JobClassification none = ClassifyJob("node-exporter", "", {"go_goroutines", "node_load1"});
  EXPECT_EQ(none.component, "");
  EXPECT_EQ(none.evidence, ComponentEvidence::kNone);
}

// Metric names of Debian's victoria-metrics 1.79.5 scraping itself (its /metrics page): the
// embedded scraper's vm_promscrape_* names outnumber the storage ones, and it serves
// vminsert_*/vmselect_* request histograms of its own.
std::vector<std::string> SingleNodeNames() {
  return {"go_goroutines",
          "process_cpu_seconds_total",
          "vminsert_request_duration_seconds_bucket",
          "vmselect_request_duration_seconds_bucket",
          "vm_app_version",
          "vm_cache_entries",
          "vm_data_size_bytes",
          "vm_parts",
          "vm_pending_rows",
          "vm_promscrape_config_reloads_total",
          "vm_promscrape_conn_bytes_read_total",
          "vm_promscrape_conn_bytes_written_total",
          "vm_promscrape_conn_read_errors_total",
          "vm_promscrape_conn_reads_total",
          "vm_promscrape_conn_write_errors_total",
          "vm_promscrape_conn_writes_total",
          "vm_promscrape_conns",
          "vm_promscrape_dial_errors_total",
          "vm_promscrape_dials_total",
          "vm_promscrape_discovery_consul_service_watchers",
          "vm_promscrape_discovery_consul_service_watchers_created_total",
          "vm_promscrape_discovery_consul_service_watchers_stopped_total",
          "vm_promscrape_discovery_kubernetes_group_watchers",
          "vm_promscrape_discovery_requests_total",
          "vm_promscrape_discovery_retries_total",
          "vm_promscrape_discoveryutils_configmap_entries_count",
          "vm_promscrape_max_scrape_size_exceeded_errors_total",
          "vm_promscrape_scrape_retries_total",
          "vm_promscrape_scrapes_failed_total",
          "vm_promscrape_scrapes_gunzip_failed_total",
          "vm_promscrape_scrapes_gunziped_total",
          "vm_promscrape_scrapes_skipped_by_sample_limit_total",
          "vm_promscrape_scrapes_timed_out_total",
          "vm_promscrape_scrapes_total",
          "vm_promscrape_stale_samples_created_total",
          "vm_rows",
          "vm_rows_added_to_storage_total",
          "vm_rows_deleted_total",
          "vm_rows_ignored_total",
          "vm_rows_inserted_total",
          "vm_rows_invalid_total",
          "vm_rows_merged_total"};
}

TEST(ComponentEvidence, SingleNodeScrapingItselfStaysVmsingleDespiteScraperPrefixes) {
  const std::vector<std::string> names = SingleNodeNames();
  EXPECT_EQ(ComponentFromMetricNames(names), "vmsingle");
  JobClassification c = ClassifyJob("victoria-metrics", "", names);
  EXPECT_EQ(c.component, "vmsingle");
  EXPECT_EQ(c.evidence, ComponentEvidence::kJobName);
  // A job name that says nothing: the storage gauges alone decide.
  JobClassification anon = ClassifyJob("job-3", "", names);
  EXPECT_EQ(anon.component, "vmsingle");
  EXPECT_EQ(anon.evidence, ComponentEvidence::kMetricNames);
}

TEST(ComponentEvidence, ScraperOrClusterMetricsWithoutSingleNodeStorageKeepTheirComponent) {
  // vmagent has vm_rows_inserted_total and vm_promscrape_* but no storage gauges.
  EXPECT_EQ(ComponentFromMetricNames({"vm_rows_inserted_total", "vm_promscrape_scrapes_total",
                                      "vmagent_remotewrite_requests_total", "vm_cache_entries"}),
            "vmagent");
  // vmstorage holds data too, but shows its links to vminsert/vmselect.
  EXPECT_EQ(
      ComponentFromMetricNames({"vm_data_size_bytes", "vm_rows", "vm_parts", "vm_vminsert_conns",
                                "vm_vmselect_conns", "vm_promscrape_scrapes_total"}),
      "vmstorage");
  // vminsert: RPC to vmstorage, no storage.
  EXPECT_EQ(ComponentFromMetricNames({"vm_rpc_rows_sent_total", "vm_rows_inserted_total"}),
            "vminsert");
}

TEST(ComponentEvidence, ShortVersion) {
  EXPECT_EQ(ShortVersion("vmstorage-20240101-000000-tags-v1.97.1-cluster-0-gabc", ""), "v1.97.1");
  EXPECT_EQ(ShortVersion("victoria-metrics-20220808-094220-tags-v1.79.5-0-gdebian00", ""),
            "v1.79.5");
  EXPECT_EQ(ShortVersion("anything", "v1.2.3"), "v1.2.3");
  EXPECT_EQ(ShortVersion("", ""), "");
  EXPECT_EQ(ShortVersion("vmagent-20240101-000000-heads-master-0-gabc", ""), "");
}

Connection BasicConn() {
  Connection c;
  c.url = "http://vmauth:8427";
  c.full_api_url = c.url;
  c.auth.type = AuthType::kBasic;
  c.auth.username = "reader";
  c.auth.password = "hunter22";
  return c;
}

TEST(VmAnswerError, VmauthWrongPasswordIs400ButUnauthenticatedAndRedacted) {
  const std::string body =
      "cannot find the provided auth token \"Basic cmVhZGVyOmh1bnRlcjIy\" in config\n";
  Status s = StatusFromVmAnswer(400, body, "cannot run query at http://vmauth:8427/api/v1/query",
                                BasicConn());
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(s.message().find("cmVhZGVy"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("Basic ***"), std::string::npos) << s.message();
  EXPECT_NE(s.hint().find("password"), std::string::npos);
}

TEST(VmAnswerError, SecretsEchoedAnywhereAreRedacted) {
  EXPECT_EQ(CleanVmErrorText("bad header X-Token: hunter22 here", {"hunter22"}),
            "bad header X-Token: *** here");
  EXPECT_EQ(CleanVmErrorText("auth \"Bearer abc.def\" unknown", {}), "auth \"Bearer ***\" unknown");
  EXPECT_EQ(CleanVmErrorText("remoteAddr: \"1.2.3.4:5\"; requestURI: /api/v1/export; cannot "
                             "determine targetURL: missing route for \"/api/v1/export\"\n",
                             {}),
            "cannot determine targetURL: missing route for \"/api/v1/export\"");
  const std::string longer(1000, 'x');
  EXPECT_LE(CleanVmErrorText(longer, {}).size(), 310u);
}

// The query API's JSON error: its "error" text, unescaped, is what a person reads.
TEST(VmAnswerError, JsonErrorAnswersShowTheirErrorText) {
  EXPECT_EQ(CleanVmErrorText(R"({"status":"error","errorType":"422","error":"labelFilterExpr: unexpected token \"==\""})", {}),
            R"(labelFilterExpr: unexpected token "==")");
  EXPECT_EQ(CleanVmErrorText(R"({"status":"error","error":"token hunter22 refused"})", {"hunter22"}),
            "token *** refused");
  EXPECT_EQ(CleanVmErrorText(R"({"no_error_field":1})", {}), R"({"no_error_field":1})");
}

TEST(VmAnswerError, PathPrefixAndTenantHints) {
  Connection c;
  c.url = "http://vmselect:8481";
  c.full_api_url = c.url;
  Status p =
      StatusFromVmAnswer(400,
                         "remoteAddr: \"127.0.0.1:1\"; requestURI: /api/v1/query; missing "
                         "-http.pathPrefix=\"/select/0\" in the requested path \"/api/v1/query\"",
                         "cannot run query", c);
  EXPECT_EQ(p.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.hint().find("http://vmselect:8481/select/0/prometheus"), std::string::npos)
      << p.hint();

  Status u = StatusFromVmAnswer(400, "unsupported path requested: \"/api/v1/query\"",
                                "cannot run query", c);
  EXPECT_EQ(u.code(), StatusCode::kNotFound);
  EXPECT_NE(u.hint().find("http://vmselect:8481/select/<tenant>/prometheus"), std::string::npos)
      << u.hint();

  Status r = StatusFromVmAnswer(
      400, "cannot determine targetURL: missing route for \"/api/v1/export\"", "cannot export", c);
  EXPECT_EQ(r.code(), StatusCode::kNotFound);
  Status limited = StatusFromVmAnswer(429, "too many requests", "cannot export", c);
  EXPECT_EQ(limited.code(), StatusCode::kUnavailable);
  EXPECT_NE(limited.message().find("HTTP 429 Too Many Requests"), std::string::npos)
      << limited.message();
  Status big = StatusFromVmAnswer(
      422, "cannot select more than -search.maxSamplesPerQuery=1000 samples; too many series",
      "cannot query", c);
  EXPECT_EQ(big.code(), StatusCode::kTooLarge);
}

// A busy VictoriaMetrics (its query queue or the storage's concurrent searches full) is retried
// with backoff, never split: the halves would queue behind the same load until the job fails. The
// words are VictoriaMetrics 1.79's; export answers them with 400, queries with 503.
TEST(VmAnswerError, BusyServerIsRetriedNotSplit) {
  Connection c;
  c.full_api_url = "http://vm:8428";
  for (const auto& [status, body] : std::vector<std::pair<int, std::string>>{
           {503,
            "couldn't start executing the request in 10.000 seconds, since "
            "-search.maxConcurrentRequests=4 concurrent requests are executed. Possible solutions: "
            "to reduce query load; to add more compute resources to the server; to increase "
            "-search.maxQueueDuration=10s"},
           {400,
            "error when exporting data on the time range (start=1, end=2): cannot search for "
            "tsids, "
            "since more than 2 concurrent searches are performed during 29.999 secs; add more CPUs "
            "or reduce query load"}}) {
    const Status s = StatusFromVmAnswer(status, body, "cannot export window", c);
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
    EXPECT_FALSE(NeedsSplit(s)) << s.ToString();
    EXPECT_TRUE(IsTransient(s)) << s.ToString();
  }
  const Status slow = StatusFromVmAnswer(
      503, "timeout exceeded during query execution: 30.000 seconds", "cannot export window", c);
  EXPECT_EQ(slow.code(), StatusCode::kTimeout) << slow.ToString();
  EXPECT_TRUE(NeedsSplit(slow));
  const Status wide = StatusFromVmAnswer(400,
                                         "cannot process more than 100 samples per series; either "
                                         "increase -search.maxSamplesPerSeries",
                                         "cannot export window", c);
  EXPECT_EQ(wide.code(), StatusCode::kTooLarge) << wide.ToString();
  EXPECT_TRUE(NeedsSplit(wide));
  EXPECT_TRUE(NeedsSplit(StatusFromVmAnswer(
      400,
      "the number of matching timeseries exceeds 25; either narrow down the search or increase "
      "-search.max* command-line flag values at vmselect",
      "cannot export window", c)));
  EXPECT_FALSE(NeedsSplit(StatusFromVmAnswer(429, "too many requests", "cannot export window", c)));
}

TEST(IsMissingExportRoute, RecognisesOnlyRouteProblems) {
  Connection c;
  c.full_api_url = "http://h:8481/select/1429/prometheus";
  EXPECT_TRUE(IsMissingExportRoute(
      StatusFromVmAnswer(400, "missing route for \"/x\"", "cannot export", c)));
  EXPECT_TRUE(IsMissingExportRoute(StatusFromVmAnswer(404, "", "cannot export", c)));
  EXPECT_TRUE(IsMissingExportRoute(
      StatusFromVmAnswer(400, "unsupported path requested", "cannot export", c)));
  EXPECT_FALSE(IsMissingExportRoute(StatusFromVmAnswer(401, "", "cannot export", c)));
  // The message names the URL; only the kind decides.
  EXPECT_FALSE(IsMissingExportRoute(
      Status::NotFound("cannot export from http://h/missing route for/ HTTP 404")));
  EXPECT_FALSE(IsMissingExportRoute(Status::Ok()));
}

// Decisions come from the answer, never from a message holding the URL or tenant: tenant 1429
// with "too many series" is a too-big answer, not a 429.
TEST(VmAnswerKind, ClassifiesByStatusAndVmTextOnly) {
  EXPECT_EQ(VmAnswerKind(429, "too many requests"), ErrorKind::kHttpStatus);
  EXPECT_EQ(VmAnswerKind(422, "the number of matching timeseries exceeds 300000"),
            ErrorKind::kVmTooBig);
  EXPECT_EQ(VmAnswerKind(400, "too many series: -search.maxUniqueTimeseries"),
            ErrorKind::kVmTooBig);
  // Busy: retried as it is, though the text names a -search.max* flag.
  EXPECT_EQ(
      VmAnswerKind(
          503,
          "couldn't start executing the request in 10s, since -search.maxConcurrentRequests=8"),
      ErrorKind::kVmBusy);
  EXPECT_EQ(
      VmAnswerKind(503, "timeout exceeded during query execution: 30s; -search.maxQueryDuration"),
      ErrorKind::kVmQueryTimeout);
  EXPECT_EQ(VmAnswerKind(400, "cannot parse match[]"), ErrorKind::kVmBadRequest);
  EXPECT_EQ(VmAnswerKind(502, "bad gateway"), ErrorKind::kHttpStatus);
  Connection c;
  c.full_api_url = "http://h:8481/select/1429/prometheus";
  const Status s =
      StatusFromVmAnswer(422, "too many series", "cannot export from " + c.full_api_url, c);
  EXPECT_EQ(s.kind(), ErrorKind::kVmTooBig);
  EXPECT_EQ(s.upstream_status(), 422);
}

}  // namespace
}  // namespace vmx
