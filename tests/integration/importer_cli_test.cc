// `vmimport import` against real VictoriaMetrics processes: a round trip export -> import gives
// the same series and samples, a cluster-style tenant route, time shift, a broken line, a
// truncated ZIP, wrong credentials, the retention trim, a .jsonl.gz bundle, the shift to now and
// dropped labels, each checked at the target.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/http_client.h"
#include "support/sample_count.h"
#include "support/test_files.h"
#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

CliRun RunVmimport(const std::vector<std::string>& args, const TempDir& dir) {
  std::string cmd = ShellQuote(VmimportBinary()) + " import";
  for (const std::string& a : args) cmd += " " + ShellQuote(a);
  cmd += " >" + dir.path() + "/cli.out 2>" + dir.path() + "/cli.err";
  const int rc = std::system(cmd.c_str());
  CliRun r;
  r.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = ReadFile(dir.path() + "/cli.out");
  r.err = ReadFile(dir.path() + "/cli.err");
  return r;
}

// `series` series over `samples` samples 30 s apart ending at `end_ms`, spread over 4 metric
// names, with values that stress the byte-for-byte copy.
std::string MakeLines(int series, int samples, int64_t end_ms, const std::string& extra_label = "") {
  std::string out;
  for (int s = 0; s < series; ++s) {
    std::string values;
    std::string ts;
    for (int k = 0; k < samples; ++k) {
      if (k > 0) {
        values += ",";
        ts += ",";
      }
      values += (k == 3 && s == 0) ? "1.5e300" : std::to_string(s * 1000 + k);
      ts += std::to_string(end_ms - int64_t{30'000} * (samples - 1 - k));
    }
    out += fmt::format(
        R"({{"metric":{{"__name__":"imp_metric_{}","job":"imp","instance":"10.0.0.{}:8482","idx":"{}"{}}},"values":[{}],"timestamps":[{}]}})"
        "\n",
        s % 4, s % 7, s, extra_label, values, ts);
  }
  return out;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A scalar from an instant query at `at_s` (unix seconds) on `base`.
double Scalar(const std::string& base, const std::string& query, int64_t at_s) {
  const HttpAnswer a = HttpCall("POST", base + "/api/v1/query",
                                "nocache=1&time=" + std::to_string(at_s) + "&query=" + UrlEncode(query),
                                "application/x-www-form-urlencoded");
  EXPECT_EQ(a.status, 200) << a.body;
  const nlohmann::json j = nlohmann::json::parse(a.body, nullptr, false);
  if (j.is_discarded() || j["data"]["result"].empty()) return 0;
  return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
}

// All series of `vm` as sorted export lines (the strongest equality check there is).
std::vector<std::string> SortedExport(const std::string& base) {
  const HttpAnswer a = HttpCall("POST", base + "/api/v1/export", "match[]=%7B__name__%3D~%22imp_.%2A%22%7D",
                                "application/x-www-form-urlencoded");
  EXPECT_EQ(a.status, 200) << a.body;
  std::vector<std::string> lines;
  std::istringstream in(a.body);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

void Zip(const std::string& jsonl, const std::string& zip_path) {
  const std::string cmd = fmt::format(
      "python3 -c \"import zipfile,sys; z=zipfile.ZipFile(sys.argv[2],'w',zipfile.ZIP_DEFLATED); "
      "z.write(sys.argv[1],'metrics.jsonl'); z.writestr('metadata.json','{{}}'); z.close()\" {} {}",
      ShellQuote(jsonl), ShellQuote(zip_path));
  ASSERT_EQ(std::system(cmd.c_str()), 0);
}

TEST(ImporterCli, RoundTripExportThenImportGivesIdenticalSeriesAndSamples) {
  const int64_t end = NowMs() / 1000 * 1000 - 3'600'000;
  VmSingle source;
  source.Import(MakeLines(40, 50, end));
  TempDir dir;
  const std::vector<std::string> original = SortedExport(source.url());
  ASSERT_EQ(original.size(), 40u);
  std::string exported;
  for (const std::string& l : original) exported += l + "\n";
  const std::string jsonl = dir.path() + "/metrics.jsonl";
  WriteFile(jsonl, exported);
  const std::string zip = dir.path() + "/bundle.zip";
  Zip(jsonl, zip);

  // The ZIP goes with gzip-compressed requests (the default for remote targets), the .jsonl plain
  // (the default for a target on localhost).
  for (const std::string& bundle : {jsonl, zip}) {
    VmSingle target;
    const std::string gzip = bundle == zip ? "-gzip-level=1" : "-gzip-level=-1";
    const CliRun r = RunVmimport({"-url=" + target.url(), gzip, bundle}, dir);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("verified: the target holds all 40 series and 2000 samples"), std::string::npos) << r.out;
    EXPECT_EQ(SortedExport(target.url()), original) << bundle;
  }
}

TEST(ImporterCli, TenantRouteThroughClusterStylePaths) {
  // vmauth routes /insert/42/... to a vmagent (the vminsert stand-in) that remote-writes into
  // the tenant's storage, and /select/42/... to that storage, as a cluster behind vmauth does.
  VmSingleOptions storage_options;
  storage_options.path_prefix = "/select/42";
  VmSingle storage(storage_options);
  TempDir agent_dir;
  const int agent_port = FreePort();
  ChildProcess agent({"/usr/bin/vmagent", "-httpListenAddr=127.0.0.1:" + std::to_string(agent_port),
                      "-http.pathPrefix=/insert/42/prometheus",
                      "-remoteWrite.url=" + storage.url() + "/api/v1/write",
                      "-remoteWrite.tmpDataPath=" + agent_dir.path() + "/rw", "-remoteWrite.flushInterval=200ms",
                      "-loggerLevel=ERROR"},
                     agent_dir.path() + "/vmagent.log");
  WaitForHttp(fmt::format("http://127.0.0.1:{}/insert/42/prometheus/health", agent_port));
  VmAuth auth(fmt::format(R"(users:
  - username: "cluster-user"
    password: "cluster-pass"
    url_map:
      - src_paths: ["/insert/42/.*"]
        url_prefix: "http://127.0.0.1:{}"
      - src_paths: ["/select/42/.*"]
        url_prefix: "{}"
)",
                          agent_port, storage.root_url()));
  TempDir dir;
  const int64_t end = NowMs() / 1000 * 1000 - 600'000;
  WriteFile(dir.path() + "/a.jsonl", MakeLines(12, 20, end));

  const CliRun by_flag = RunVmimport({"-url=" + auth.url(), "-tenant=42", "-username=cluster-user",
                                      "-password=cluster-pass", dir.path() + "/a.jsonl"},
                                     dir);
  ASSERT_EQ(by_flag.exit_code, 0) << by_flag.out << by_flag.err;
  EXPECT_NE(by_flag.out.find("/insert/42/prometheus/api/v1/import"), std::string::npos) << by_flag.out;
  EXPECT_NE(by_flag.out.find("verified"), std::string::npos) << by_flag.out;
  EXPECT_EQ(Scalar(storage.url() + "/prometheus", "count(last_over_time({job=\"imp\"}[1h]))", end / 1000), 12);

  // The tenant may also come from the URL; credentials via the environment.
  WriteFile(dir.path() + "/b.jsonl", MakeLines(3, 20, end, R"(,"part":"b")"));
  setenv("VMIMPORT_PASSWORD", "cluster-pass", 1);
  const CliRun by_url = RunVmimport(
      {"-url=" + auth.url() + "/insert/42/prometheus", "-username=cluster-user", dir.path() + "/b.jsonl"}, dir);
  unsetenv("VMIMPORT_PASSWORD");
  ASSERT_EQ(by_url.exit_code, 0) << by_url.out << by_url.err;
  // Verification counts by metric name, and the first import used the same names: the count
  // taken before the import (the baseline) keeps the check exact.
  EXPECT_NE(by_url.out.find("verified: the target holds all 3 series and 60 samples that were sent, besides the"),
            std::string::npos)
      << by_url.out;
  // With older data under the same names verification cannot be exact, so wait for vmagent here.
  double b_series = 0;
  for (int i = 0; i < 100 && b_series < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    b_series = Scalar(storage.url() + "/prometheus", "count(last_over_time({part=\"b\"}[1h]))", end / 1000);
  }
  EXPECT_EQ(b_series, 3);
}

TEST(ImporterCli, TimeShiftAlignMovesTheFirstSampleAndFixedShiftMovesByTheDuration) {
  const int64_t end = 1'700'000'000'000;  // 2023-11-14: far outside a short retention
  TempDir dir;
  const std::string jsonl = dir.path() + "/old.jsonl";
  WriteFile(jsonl, MakeLines(5, 10, end));
  const int64_t first = end - 9 * 30'000;

  VmSingle target;
  const int64_t align_s = NowMs() / 1000 - 7200;
  const CliRun r = RunVmimport({"-url=" + target.url(), "-time-shift=align", "-align-to=" + std::to_string(align_s), jsonl}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("time shift:"), std::string::npos) << r.out;
  // The first sample sits exactly at align_s: nothing before it, all 50 samples after.
  EXPECT_EQ(Scalar(target.url(), "sum(count_over_time({job=\"imp\"}[1ms]))", align_s), 5);
  EXPECT_EQ(Scalar(target.url(), "sum(count_over_time({job=\"imp\"}[1h]))", align_s - 1), 0);
  EXPECT_EQ(Scalar(target.url(), "sum(count_over_time({job=\"imp\"}[1h]))", align_s + 3599), 50);
  // Values travel unchanged.
  EXPECT_EQ(Scalar(target.url(), "max(max_over_time(imp_metric_1[1h]))", align_s + 3599), 1009);

  VmSingle fixed_target;
  const CliRun f = RunVmimport({"-url=" + fixed_target.url(), "-time-shift=+24h", jsonl}, dir);
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  EXPECT_EQ(Scalar(fixed_target.url(), "sum(count_over_time({job=\"imp\"}[1ms]))", (first + 86'400'000) / 1000), 5);
}

TEST(ImporterCli, BrokenLineIsReportedKeptAsideAndTheRestImported) {
  const int64_t end = NowMs() / 1000 * 1000 - 600'000;
  TempDir dir;
  const std::string good = MakeLines(6, 10, end);
  std::istringstream in(good);
  std::string text;
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    if (++n == 3) text += R"({"metric":{"__name__":"imp_broken","job":"imp"},"values":[1,2],"timestamps":[1)" "\n";
    text += line + "\n";
  }
  const std::string bundle = dir.path() + "/broken.jsonl";
  WriteFile(bundle, text);

  VmSingle strict_target;
  const CliRun strict = RunVmimport({"-url=" + strict_target.url(), "-strict", bundle}, dir);
  EXPECT_EQ(strict.exit_code, 1) << strict.out << strict.err;
  EXPECT_NE(strict.err.find("line 3"), std::string::npos) << strict.err;
  EXPECT_EQ(Scalar(strict_target.url(), "count(last_over_time({job=\"imp\"}[1h]))", end / 1000), 0);

  VmSingle target;
  const CliRun r = RunVmimport({"-url=" + target.url(), bundle}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("7 read, 1 rejected"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("line 3: "), std::string::npos) << r.out;
  const std::string rejects = ReadFile(bundle + ".rejects.jsonl");
  const nlohmann::json kept = nlohmann::json::parse(rejects);
  EXPECT_EQ(kept["line"], 3);
  EXPECT_NE(kept["text"].get<std::string>().find("imp_broken"), std::string::npos);
  EXPECT_EQ(Scalar(target.url(), "count(last_over_time({job=\"imp\"}[1h]))", end / 1000), 6);
}

TEST(ImporterCli, TruncatedZipIsAClearError) {
  TempDir dir;
  const std::string jsonl = dir.path() + "/metrics.jsonl";
  WriteFile(jsonl, MakeLines(200, 50, NowMs()));
  const std::string zip = dir.path() + "/bundle.zip";
  Zip(jsonl, zip);
  const std::string bytes = ReadFile(zip);
  WriteFile(zip, bytes.substr(0, bytes.size() / 2));
  VmSingle target;
  const CliRun r = RunVmimport({"-url=" + target.url(), zip}, dir);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot open ZIP bundle"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("incomplete or damaged"), std::string::npos) << r.err;
}

TEST(ImporterCli, WrongPasswordIsRefusedWithAClearErrorAndTheRightOneWorks) {
  VmSingle target;
  VmAuth auth(fmt::format(R"(users:
  - username: "importer"
    password: "right-password"
    url_prefix: "{}"
)",
                          target.url()));
  TempDir dir;
  const std::string bundle = dir.path() + "/a.jsonl";
  WriteFile(bundle, MakeLines(4, 5, NowMs() / 1000 * 1000 - 60'000));
  const CliRun wrong = RunVmimport({"-url=" + auth.url(), "-username=importer", "-password=wrong", bundle}, dir);
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out << wrong.err;
  EXPECT_NE(wrong.err.find("auth token"), std::string::npos) << wrong.err;  // vmauth answers 400
  EXPECT_NE(wrong.err.find("check the username/password"), std::string::npos) << wrong.err;
  EXPECT_EQ(wrong.err.find("wrong"), std::string::npos) << "the password leaked: " << wrong.err;
  EXPECT_EQ(wrong.err.find("aW1wb3J0ZXI6d3Jvbmc"), std::string::npos) << "the credentials leaked: " << wrong.err;

  const CliRun right = RunVmimport({"-url=" + auth.url(), "-username=importer", "-password=right-password", bundle}, dir);
  EXPECT_EQ(right.exit_code, 0) << right.out << right.err;
}

TEST(ImporterCli, SkipOutsideRetentionReadsTheTargetsRetentionAndTrims) {
  VmSingleOptions one_month;
  one_month.retention = "1";  // VictoriaMetrics reads a bare number as months
  VmSingle target(one_month);
  TempDir dir;
  const int64_t now = NowMs() / 1000 * 1000;
  // 10 samples a day apart over the last ~90 days: only the ones within 31 days survive.
  std::string line = R"({"metric":{"__name__":"imp_old","job":"imp"},"values":[)";
  std::string ts;
  for (int k = 0; k < 10; ++k) {
    line += (k ? "," : "") + std::to_string(k);
    ts += (k ? "," : "") + std::to_string(now - int64_t{86'400'000} * 10 * (9 - k) - 60'000);
  }
  line += "],\"timestamps\":[" + ts + "]}\n";
  const std::string bundle = dir.path() + "/old.jsonl";
  WriteFile(bundle, line);
  const CliRun r = RunVmimport({"-url=" + target.url(), "-skip-outside-retention", bundle}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Days 0, 10, 20, 30 ago are inside 31 days; 40..90 are not.
  EXPECT_NE(r.out.find("6 samples older than the target's retention (1) skipped"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 series, 4 samples"), std::string::npos) << r.out;
  // What the target holds: exactly the four recent samples, and VictoriaMetrics never had to drop
  // an old one itself (vmimport did not send them).
  ASSERT_EQ(HttpCall("GET", target.url() + "/internal/force_flush").status, 200);
  const std::string exported = target.Get("/api/v1/export?match[]=imp_old");
  EXPECT_NE(exported.find("\"values\":[6,7,8,9]"), std::string::npos) << exported;
  const std::string metrics = target.Get("/metrics");
  EXPECT_NE(metrics.find("vm_rows_ignored_total{reason=\"small_timestamp\"} 0"), std::string::npos)
      << metrics.substr(metrics.find("vm_rows_ignored_total"), 300);
}

// Every timestamp of every exported series on `base` (imp_* metrics), sorted, by series.
// VictoriaMetrics may export one series as several lines (one per storage block): they are joined.
std::vector<std::vector<int64_t>> ExportedTimestamps(const std::string& base) {
  // An explicit end: without one the export may stop short of a sample stored at "now".
  const HttpAnswer a =
      HttpCall("POST", base + "/api/v1/export",
               "match[]=%7Bjob%3D%22imp%22%7D&end=" + std::to_string(NowMs() / 1000 + 3600),
               "application/x-www-form-urlencoded");
  EXPECT_EQ(a.status, 200) << a.body;
  std::map<std::string, std::vector<int64_t>> by_series;
  std::istringstream in(a.body);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const nlohmann::json j = nlohmann::json::parse(line);
    std::vector<int64_t>& ts = by_series[j["metric"].dump()];
    for (const auto& t : j["timestamps"]) ts.push_back(t.get<int64_t>());
  }
  std::vector<std::vector<int64_t>> out;
  for (auto& [metric, ts] : by_series) {
    std::sort(ts.begin(), ts.end());
    out.push_back(ts);
  }
  return out;
}

// A .jsonl.gz (what `gzip metrics.jsonl` makes) is read through its gzip layer, line by line:
// the target holds every series and sample, not the compressed bytes or a part of them.
TEST(ImporterCli, GzippedJsonlBundleArrivesWhole) {
  const int64_t end = NowMs() / 1000 * 1000 - 600'000;
  TempDir dir;
  const std::string jsonl = dir.path() + "/metrics.jsonl";
  WriteFile(jsonl, MakeLines(25, 40, end));
  ASSERT_EQ(std::system(("gzip " + ShellQuote(jsonl)).c_str()), 0);
  VmSingle target;
  const CliRun r = RunVmimport({"-url=" + target.url(), jsonl + ".gz"}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verified: the target holds all 25 series and 1000 samples"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(SamplesAt(target, R"({job="imp"})"), 1000u);
  EXPECT_EQ(Scalar(target.url(), R"(count(last_over_time({job="imp"}[1h])))", end / 1000), 25);
}

// -time-shift=now: the bundle's last sample lands at the moment of the import, every other
// sample keeps its distance to it (a 2023 bundle replayed today).
TEST(ImporterCli, ShiftToNowPutsTheLastSampleAtTheTimeOfTheImport) {
  const int64_t end = 1'700'000'000'000;
  TempDir dir;
  const std::string jsonl = dir.path() + "/old.jsonl";
  WriteFile(jsonl, MakeLines(5, 10, end));
  VmSingle target;
  const int64_t before = NowMs();
  const CliRun r = RunVmimport({"-url=" + target.url(), "-time-shift=now", jsonl}, dir);
  const int64_t after = NowMs();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(SamplesAt(target, R"({job="imp"})"), 50u) << "nothing stays in 2023 or goes missing";
  const std::vector<std::vector<int64_t>> series = ExportedTimestamps(target.url());
  ASSERT_EQ(series.size(), 5u);
  const int64_t shift = series[0].back() - end;
  EXPECT_GE(series[0].back(), before) << "the last sample lands at the import's time";
  EXPECT_LE(series[0].back(), after);
  for (const std::vector<int64_t>& ts : series) {
    ASSERT_EQ(ts.size(), 10u);
    for (size_t k = 0; k < ts.size(); ++k)
      EXPECT_EQ(ts[k], end - 30'000 * int64_t(9 - k) + shift) << k;
  }
}

// -drop-labels removes the labels from every series at the target; the identity labels and the
// samples stay.
TEST(ImporterCli, DroppedLabelsAreGoneAtTheTarget) {
  const int64_t end = NowMs() / 1000 * 1000 - 600'000;
  TempDir dir;
  const std::string jsonl = dir.path() + "/pods.jsonl";
  // 12 series stay distinct without idx: (name, instance) = (s % 4, s % 7) is unique below 28.
  WriteFile(jsonl, MakeLines(12, 10, end, R"(,"pod":"checkout-7f9c","node":"worker-3")"));
  VmSingle target;
  const CliRun r = RunVmimport({"-url=" + target.url(), "-drop-labels=pod, node,idx", jsonl}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(SamplesAt(target, R"({job="imp"})"), 120u);
  EXPECT_EQ(Scalar(target.url(), R"(count(last_over_time({job="imp"}[1h])))", end / 1000), 12);
  const std::vector<std::string> lines = SortedExport(target.url());  // a series may take two lines
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines) {
    const nlohmann::json metric = nlohmann::json::parse(line)["metric"];
    EXPECT_EQ(metric.size(), 3u) << line;
    for (const char* kept : {"__name__", "job", "instance"})
      EXPECT_TRUE(metric.contains(kept)) << line;
  }
}

TEST(ImporterCli, BadUsageExitsWithTwo) {
  TempDir dir;
  EXPECT_EQ(RunVmimport({"/nonexistent.zip"}, dir).exit_code, 2);  // no -url
  const CliRun r = RunVmimport({"-url=http://127.0.0.1:1", "-drop-labels=job", "/x.jsonl"}, dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot drop \"job\""), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vmx::testing
