// `vmexporter export|verify|reveal` driven as a user would, against a real victoria-metrics.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

using ShellRun = CommandRun;

// Runs a shell command line; stdout and stderr are captured separately.
ShellRun Shell(const std::string& cmd) { return RunCommand(cmd); }

std::string LastLine(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  const size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// Two VictoriaMetrics jobs with private addresses, 40 samples each, ending a minute ago.
class CliExport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    vm_ = new VmSingle();
    const int64_t end_ms = (std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count() -
                            60) *
                           1000;
    std::string lines;
    for (const auto& [job, version, ip] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"prod-vmstorage", "vmstorage-20240101-000000-tags-v1.97.1-cluster-0-g0",
              "10.1.2.3:8482"},
             {"prod-vmagent", "vmagent-20240101-000000-tags-v1.97.1-0-g0", "10.9.8.7:8429"}}) {
      for (const std::string name :
           {"vm_app_version", "vm_rows_total", "process_cpu_seconds_total"}) {
        std::string values, stamps;
        for (int i = 0; i < 40; ++i) {
          values += (i ? "," : "") + std::to_string(i);
          stamps += (i ? "," : "") + std::to_string(end_ms - (39 - i) * 15000);
        }
        lines += R"({"metric":{"__name__":")" + name + R"(","job":")" + job + R"(","instance":")" +
                 ip + R"(","version":")" + (name == "vm_app_version" ? version : "") +
                 R"(","pod":"pod-a-1"},"values":[)" + values + R"(],"timestamps":[)" + stamps +
                 "]}\n";
      }
    }
    vm_->Import(lines);
  }
  static void TearDownTestSuite() {
    delete vm_;
    vm_ = nullptr;
  }
  std::string Exporter() const { return VmexporterBinary(); }
  TempDir dir_;
  static VmSingle* vm_;
};
VmSingle* CliExport::vm_ = nullptr;

TEST_F(CliExport, ExportsAnObfuscatedBundleThatVerifies) {
  ShellRun r =
      Shell(Exporter() + " export -url=" + vm_->url() + " -since=1h -output=" + dir_.path() +
            " -mapping-out=" + dir_.path() + "/map.json -obfuscate-labels=pod");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string bundle = LastLine(r.out);
  EXPECT_TRUE(std::filesystem::exists(bundle)) << r.out;
  EXPECT_TRUE(std::filesystem::exists(bundle + ".sha256"));
  EXPECT_NE(r.err.find("exported 6 series, 240 samples"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("samples/s"), std::string::npos) << r.err;
  EXPECT_EQ(std::filesystem::status(dir_.path() + "/map.json").permissions() &
                std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  ShellRun metrics = Shell("unzip -p " + bundle + " metrics.jsonl");
  EXPECT_EQ(metrics.out.find("10.1.2.3"), std::string::npos);
  EXPECT_EQ(metrics.out.find("prod-vmstorage"), std::string::npos);
  EXPECT_EQ(metrics.out.find("pod-a-1"), std::string::npos);
  EXPECT_NE(metrics.out.find("\"job\":\"vmstorage-job-1\""), std::string::npos)
      << metrics.out.substr(0, 400);
  // X is the component (vmstorage = 1); Y numbers hosts in order of first sight, which depends
  // on which window arrives first, so it is read from the bundle.
  const std::smatch m = [&] {
    std::smatch found;
    std::regex_search(metrics.out, found,
                      std::regex(R"re("instance":"(777\.777\.1\.\d+:8482)")re"));
    return found;
  }();
  ASSERT_EQ(m.size(), 2u) << metrics.out.substr(0, 400);
  const std::string storage_instance = m[1].str();

  // Versions per component, each with its instances (the established tool's one-per-component
  // map beside it).
  const nlohmann::json meta =
      nlohmann::json::parse(Shell("unzip -p " + bundle + " metadata.json").out);
  EXPECT_EQ(meta["vm_versions"]["vmstorage"], "v1.97.1") << meta.dump();
  EXPECT_EQ(meta["vm_versions_seen"]["vmstorage"],
            nlohmann::json::parse(R"([{"version":"v1.97.1","instances":1}])"))
      << meta.dump();
  EXPECT_EQ(meta["vm_versions_seen"]["vmagent"],
            nlohmann::json::parse(R"([{"version":"v1.97.1","instances":1}])"));
  EXPECT_EQ(meta.dump().find("10.1.2.3"), std::string::npos)
      << "instances are counted, never named";

  ShellRun verify = Shell(Exporter() + " verify " + bundle);
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("bundle verified"), std::string::npos);
  // One meaning of "series" everywhere: verify counts the distinct series the export reported.
  EXPECT_NE(verify.out.find("6 series in "), std::string::npos) << verify.out;

  ShellRun reveal = Shell(Exporter() + " reveal -mapping=" + dir_.path() +
                          "/map.json 'vmstorage-job-1 at " + storage_instance + " is slow'");
  EXPECT_EQ(reveal.code, 0) << reveal.err;
  EXPECT_EQ(reveal.out, "prod-vmstorage at 10.1.2.3:8482 is slow\n");
  // A pseudonym the mapping does not know stays, and stderr says so instead of a silent
  // half-translation.
  ShellRun partial = Shell(Exporter() + " reveal -mapping=" + dir_.path() +
                           "/map.json 'vmstorage-job-1 and vmselect-job-9'");
  EXPECT_EQ(partial.code, 0) << partial.err;
  EXPECT_EQ(partial.out, "prod-vmstorage and vmselect-job-9\n");
  EXPECT_NE(partial.err.find("1 pseudonym is not in -mapping"), std::string::npos) << partial.err;
  EXPECT_NE(partial.err.find("vmselect-job-9"), std::string::npos) << partial.err;
}

// Regular files under `dir`, as paths relative to it.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(std::filesystem::relative(e.path(), dir).string());
  }
  return files;
}

TEST_F(CliExport, StdoutModePrintsOnlyJsonLines) {
  // -stdout assembles a carrier bundle under the temp dir (and stages under the default staging
  // root there): with a private TMPDIR both can be checked to be gone afterwards.
  const std::string tmp = dir_.path() + "/tmp";
  std::filesystem::create_directories(tmp);
  ShellRun r = Shell("TMPDIR=" + tmp + " " + Exporter() + " export -url " + vm_->url() +
                     " -start=-1h -end=now -selector='{job=\"prod-vmagent\"}' -stdout"
                     " | python3 -c 'import json,sys; n=[json.loads(l) for l in sys.stdin]; "
                     "print(len(n), sum(len(x[\"values\"]) for x in n))'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "3 120\n") << r.err;
  EXPECT_EQ(FilesUnder(tmp), std::vector<std::string>{})
      << "the -stdout bundle or its staging was left behind";
}

TEST_F(CliExport, ConfigFileWithOverridingFlags) {
  const std::string cfg = dir_.path() + "/cfg.json";
  std::ofstream(cfg)
      << R"({"connection":{"url":"http://127.0.0.1:1"},"mode":"custom","query":"{job=\"prod-vmagent\"}",
                           "obfuscation":{"enabled":false}})";
  ShellRun r = Shell(Exporter() + " export -config=" + cfg + " -url=" + vm_->url() +
                     " -since=1h -output=" + dir_.path());
  ASSERT_EQ(r.code, 0) << r.err;
  ShellRun metrics = Shell("unzip -p " + LastLine(r.out) + " metrics.jsonl");
  EXPECT_NE(metrics.out.find("10.9.8.7:8429"), std::string::npos)
      << "obfuscation was off in the file";
  EXPECT_EQ(metrics.out.find("prod-vmstorage"), std::string::npos) << "the file's selector applies";
}

// A custom selector bundle has the context of a cluster-mode one: its jobs classified (so their
// pseudonyms name the component), its components and versions, and the selector itself, with
// the same pseudonyms as the data.
TEST_F(CliExport, CustomSelectorBundleNamesComponentsVersionsAndItsScrubbedSelector) {
  ShellRun r =
      Shell(Exporter() + " export -url=" + vm_->url() +
            " -since=1h -selector='{job=\"prod-vmstorage\",instance=\"10.1.2.3:8482\"}' -output=" +
            dir_.path());
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string bundle = LastLine(r.out);
  const nlohmann::json meta =
      nlohmann::json::parse(Shell("unzip -p " + bundle + " metadata.json").out);
  EXPECT_EQ(meta["selection"]["mode"], "custom");
  EXPECT_EQ(meta["components"], nlohmann::json::array({"vmstorage"})) << meta.dump();
  EXPECT_EQ(meta["jobs"], nlohmann::json::array({"vmstorage-job-1"})) << meta.dump();
  EXPECT_EQ(meta["vm_versions"]["vmstorage"], "v1.97.1") << meta.dump();
  const std::string selector = meta["selection"]["selector"];
  EXPECT_NE(selector.find("job=\"vmstorage-job-1\""), std::string::npos) << selector;
  EXPECT_EQ(selector.find("prod-vmstorage"), std::string::npos) << selector;
  EXPECT_EQ(selector.find("10.1.2.3"), std::string::npos) << selector;
  ShellRun metrics = Shell("unzip -p " + bundle + " metrics.jsonl");
  EXPECT_NE(metrics.out.find("\"job\":\"vmstorage-job-1\""), std::string::npos)
      << metrics.out.substr(0, 300);
  EXPECT_EQ(metrics.out.find("vmagent"), std::string::npos) << "only the selected series";
}

TEST_F(CliExport, TamperedBundleIsRejectedByVerify) {
  ShellRun r =
      Shell(Exporter() + " export -url=" + vm_->url() + " -since=1h -output=" + dir_.path());
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string bundle = LastLine(r.out);
  // Re-pack metrics.jsonl with one value changed: the per-entry checksum must catch it.
  ShellRun tamper = Shell(
      "cd " + dir_.path() + " && unzip -q " + bundle +
      " metrics.jsonl && sed -i '1s/\"values\":\\[0/\"values\":[9/' metrics.jsonl && zip -q " +
      bundle + " metrics.jsonl");
  ASSERT_EQ(tamper.code, 0) << tamper.err;
  ShellRun verify = Shell(Exporter() + " verify " + bundle);
  EXPECT_EQ(verify.code, 1);
  EXPECT_NE(verify.out.find("FAIL  sha256 metrics.jsonl"), std::string::npos) << verify.out;
}

TEST_F(CliExport, VersionFlagPrintsTheVersionTheServerReports) {
  for (const std::string& binary : {VmexporterBinary(), VmimportBinary()}) {
    const std::string name = std::filesystem::path(binary).filename().string();
    ShellRun r = Shell(binary + " -version");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(std::regex_match(r.out, std::regex(name + R"( \d+\.\d+\.\d+-\S+\n)"))) << r.out;
    ServerBinary server(binary, {});
    const HttpAnswer health = HttpCall("GET", server.base() + "/api/health");
    ASSERT_EQ(health.status, 200) << health.body;
    EXPECT_EQ(r.out, name + " " + nlohmann::json::parse(health.body).value("version", "") + "\n");
  }
}

TEST_F(CliExport, ComponentsFlagKeepsOnlyThoseComponentsJobs) {
  ShellRun r = Shell(Exporter() + " export -url=" + vm_->url() +
                     " -since=1h -components=vmagent -output=" + dir_.path());
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string bundle = LastLine(r.out);
  const nlohmann::json meta =
      nlohmann::json::parse(Shell("unzip -p " + bundle + " metadata.json").out);
  EXPECT_EQ(meta["components"], nlohmann::json::array({"vmagent"})) << meta.dump();
  EXPECT_EQ(meta["metrics_count"], 3) << meta.dump();
  const std::string metrics = Shell("unzip -p " + bundle + " metrics.jsonl").out;
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 3) << metrics;
  EXPECT_EQ(metrics.find("vmstorage"), std::string::npos) << metrics;
}

TEST_F(CliExport, ConfigFromStdin) {
  ShellRun r = Shell("echo '{\"connection\":{\"url\":\"" + vm_->url() +
                     "\"},\"mode\":\"custom\",\"query\":\"{job=\\\"prod-vmstorage\\\"}\","
                     "\"obfuscation\":{\"enabled\":false}}' | " +
                     Exporter() + " export -config - -since=1h -output=" + dir_.path());
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string metrics = Shell("unzip -p " + LastLine(r.out) + " metrics.jsonl").out;
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 3) << metrics;
  EXPECT_NE(metrics.find("10.1.2.3:8482"), std::string::npos)
      << "the stdin config's obfuscation (off) applies";
  EXPECT_EQ(metrics.find("prod-vmagent"), std::string::npos)
      << "the stdin config's selector applies";
}

TEST_F(CliExport, ClearErrorsAndExitCodes) {
  ShellRun unreachable =
      Shell(Exporter() + " export -url=http://127.0.0.1:" + std::to_string(FreePort()) +
            " -since=1h -selector=up -output=" + dir_.path());
  EXPECT_EQ(unreachable.code, 1);
  EXPECT_NE(unreachable.err.find("127.0.0.1"), std::string::npos) << unreachable.err;
  EXPECT_EQ(unreachable.out, "");

  ShellRun bad_time = Shell(Exporter() + " export -url=" + vm_->url() + " -start=yesterday");
  EXPECT_EQ(bad_time.code, 2);
  EXPECT_NE(bad_time.err.find("-start"), std::string::npos) << bad_time.err;

  ShellRun bad_flag = Shell(Exporter() + " export -no-such-flag=1");
  EXPECT_EQ(bad_flag.code, 2);
  EXPECT_NE(bad_flag.err.find("-help"), std::string::npos);

  ShellRun help = Shell(Exporter() + " export -help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("  -url string\n    \t"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("(env VMEXPORTER_PASSWORD)"), std::string::npos);
  EXPECT_NE(help.out.find("  -stdout\n"), std::string::npos);
}

}  // namespace
// A full or read-only disk: a clear error before or during the export, and nothing half-written
// left with a name that claims completeness. Small tmpfs mounts in a private mount namespace
// (unshare -rm: no root needed where user namespaces are allowed) stand in for a full disk.
TEST_F(CliExport, FullOrReadOnlyDisksFailClearlyAndLeaveNoHalfBundle) {
  if (const ShellRun probe = Shell("unshare -rm true"); probe.code != 0) {
    GTEST_SKIP()
        << "SKIPPED: needs a private mount namespace (unshare -rm: user namespaces), which "
           "this machine refuses: "
        << probe.err;
  }
  const std::string out = dir_.path() + "/out", staging = dir_.path() + "/staging";
  std::filesystem::create_directories(out);
  std::filesystem::create_directories(staging);
  const std::string export_cmd =
      Exporter() + " export -url=" + vm_->url() + " -since=1h -batch-window=10m";
  // Runs `cmd` with `dir` replaced by a one-page tmpfs (optionally already full), then lists the
  // files left in `dir` before the mount goes away.
  const auto in_tiny_fs = [&](const std::string& dir, bool prefill, const std::string& cmd) {
    return Shell("unshare -rm sh -c 'mount -t tmpfs -o size=4k tmpfs " + dir +
                 (prefill ? " && head -c 4096 /dev/zero > " + dir + "/filler" : std::string()) +
                 " && " + cmd + "; echo exit=$?; cd " + dir + " && find . -type f | sort'");
  };

  // Output dir full: the ZIP cannot be written; no bundle, no .part, no sidecar remains.
  ShellRun r = in_tiny_fs(out, true, export_cmd + " -output=" + out + " -staging-dir=" + staging);
  EXPECT_NE(r.out.find("exit=1"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(".zip.part"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.substr(r.out.find("exit=1") + 7), "./filler\n") << r.out;

  // Staging dir full before the first window: refused before anything is fetched.
  r = in_tiny_fs(staging, true, export_cmd + " -output=" + out + " -staging-dir=" + staging);
  EXPECT_NE(r.out.find("exit=1"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("manifest.json"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(out));

  // Staging dir fills up during the export (with a key, so the completed windows stay resumable):
  // the failure names the staging file and the disk; no ".part" window remains.
  r = in_tiny_fs(
      staging, false,
      export_cmd + " -output=" + out + " -staging-dir=" + staging + " -obfuscation-key=k");
  EXPECT_NE(r.out.find("exit=1"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot write staging file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find(".part"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("manifest.json"), std::string::npos) << "kept for -resume: " << r.out;
  EXPECT_TRUE(std::filesystem::is_empty(out));

  // Not writable at all: refused at once, naming the directory and the cause.
  r = Shell(export_cmd + " -output=/dev/null/bundles");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot write to the output dir /dev/null/bundles: Not a directory"),
            std::string::npos)
      << r.err;
  r = Shell("unshare -rm sh -c 'mount -t tmpfs -o ro tmpfs " + out + " && " + export_cmd +
            " -output=" + out + "'");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
}

// Top-level -help is where a new user looks first: every command, and boolean flags with their
// defaults, as VictoriaMetrics prints them.
TEST_F(CliExport, TopLevelHelpListsEveryCommandAndBooleanDefaults) {
  ShellRun help = Shell(Exporter() + " -help");
  ASSERT_EQ(help.code, 0) << help.err;
  for (const char* command :
       {"vmexporter export", "vmexporter verify", "vmexporter reveal", "-oneshot"}) {
    EXPECT_NE(help.out.find(command), std::string::npos) << command << " missing from:\n"
                                                         << help.out;
  }
  EXPECT_NE(help.out.find("-no-browser\n"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("only print its URL (default false)"), std::string::npos) << help.out;
  ShellRun export_help = Shell(Exporter() + " export -help");
  ASSERT_EQ(export_help.code, 0) << export_help.err;
  EXPECT_NE(export_help.out.find("(default true)"), std::string::npos) << export_help.out;
}

}  // namespace vmx::testing
