// Issue 18, "every line accounted for", against a real victoria-metrics: for each way vmimport
// could lose, duplicate or stall data, the sample count at the target (a count query) is
// compared with the bundle's, bad lines are found in the rejects file under their physical line
// numbers, and nothing is stored twice after a second click or a resume. Faults a real VM
// cannot produce (a connection dropped after the target stored a batch, a stalled target, a
// target that cannot be queried) come from an in-process proxy in front of the real VM.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "support/import_fault_proxy.h"
#include "support/sample_count.h"
#include "support/test_files.h"
#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ImportCommand(const std::vector<std::string>& args) {
  std::string cmd = ShellQuote(VmimportBinary()) + " import";
  for (const std::string& a : args) cmd += " " + ShellQuote(a);
  return cmd;
}

CommandRun Vmimport(const std::vector<std::string>& args) {
  return RunCommand(ImportCommand(args));
}

// `series` series of `samples` samples 10 s apart ending at `end_ms`, metric `name`.
std::string Lines(const std::string& name, int series, int samples, int64_t end_ms) {
  std::string out;
  for (int s = 0; s < series; ++s) {
    std::string v;
    std::string t;
    for (int k = 0; k < samples; ++k) {
      v += (k ? "," : "") + std::to_string(s * 100 + k);
      t += (k ? "," : "") + std::to_string(end_ms - int64_t{10'000} * (samples - 1 - k));
    }
    out += fmt::format(
        R"({{"metric":{{"__name__":"{}","job":"acc","s":"{}"}},"values":[{}],"timestamps":[{}]}})"
        "\n",
        name, s, v, t);
  }
  return out;
}

// Samples of metric names matching `name_regex` the target holds.
uint64_t CountAtTarget(const VmSingle& vm, const std::string& name_regex) {
  return SamplesAt(vm, fmt::format("{{__name__=~\"{}\"}}", name_regex));
}

std::vector<nlohmann::json> JsonLines(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::istringstream in(ReadFile(path));
  for (std::string line; std::getline(in, line);)
    out.push_back(nlohmann::json::parse(line, nullptr, false));
  return out;
}

// Waits for `cond` with a deadline (the machine is shared: generous, never a fixed sleep).
bool WaitFor(const std::function<bool()>& cond,
             std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cond();
}

// Items 1, 2, 7 (line numbers), the verifier's escaping: bad values, an over-long line and
// blank lines. Without -strict every good sample arrives and every bad line is in the rejects
// file under the number an editor shows; with -strict and a time shift nothing is sent.
TEST(ImporterAccounting, BadValuesAndOverLongLinesAreSetAsideWithPhysicalLineNumbers) {
  VmSingle vm;
  TempDir dir;
  const int64_t end = NowMs() / 1000 * 1000 - 600'000;
  std::string text = Lines("acc_bad", 3, 10, end);  // lines 1-3
  text += "\n\n";                                   // 4, 5 blank
  text +=
      R"({"metric":{"__name__":"acc_bad","s":"t"},"values":[true],"timestamps":[1700000000000]})"
      "\n";                              // 6
  text += Lines("acc_bad2", 1, 5, end);  // 7
  text +=
      R"({"metric":{"__name__":"acc_bad","s":"x"},"values":["1.5"],"timestamps":[1700000000000]})"
      "\n";      // 8
  text += "\n";  // 9 blank
  text += R"({"metric":{"__name__":"acc_bad","s":"long"},"values":[)" + std::string(5000, '1') +
          "]}\n";  // 10
  // A metric name with a backslash and regex characters: the verification query must match it.
  text += fmt::format(
      R"j({{"metric":{{"__name__":"acc_bad\\.x(1)","s":"q"}},"values":[1,2],"timestamps":[{},{}]}})j"
      "\n",
      end - 1000, end);  // 11
  const std::string bundle = dir.path() + "/b.jsonl";
  WriteFile(bundle, text);
  const uint64_t good = 3 * 10 + 5 + 2;

  // -strict with a shift: the pre-scan refuses the bundle before any batch is sent.
  const CommandRun strict =
      Vmimport({"-url=" + vm.url(), "-strict", "-time-shift=-1h", "-max-line-size=4096", bundle});
  EXPECT_EQ(strict.code, 1) << strict.out << strict.err;
  EXPECT_NE(strict.err.find("line 6 of the bundle is malformed: value 1 is a boolean"),
            std::string::npos)
      << strict.err;
  EXPECT_EQ(CountAtTarget(vm, "acc_bad.*"), 0u);

  const CommandRun r =
      Vmimport({"-url=" + vm.url(), "-max-line-size=4096", "-batch-size=4096", bundle});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("lines:           8 read, 3 rejected"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(fmt::format("verified: the target holds all 5 series and {} samples", good)),
            std::string::npos)
      << r.out;
  EXPECT_EQ(CountAtTarget(vm, "acc_bad.*"), good);
  const std::vector<nlohmann::json> rejects = JsonLines(bundle + ".rejects.jsonl");
  ASSERT_EQ(rejects.size(), 3u);
  EXPECT_EQ(rejects[0]["line"], 6);
  EXPECT_EQ(rejects[1]["line"], 8);
  EXPECT_EQ(rejects[2]["line"], 10);
  EXPECT_EQ(rejects[2]["truncated"], true);
  EXPECT_EQ(rejects[2]["bytes"],
            text.substr(text.find(R"({"metric":{"__name__":"acc_bad","s":"long")")).find('\n'));
  EXPECT_FALSE(std::filesystem::exists(bundle + ".vmimport-resume.json"))
      << "a complete import keeps no journal";
}

// Item 3: a rejects file that cannot be created does not abort the import.
TEST(ImporterAccounting, UnwritableRejectsFileFallsBackToATempFileAndSaysWhere) {
  VmSingle vm;
  TempDir dir;
  const int64_t end = NowMs() / 1000 * 1000 - 600'000;
  const std::string bundle = dir.path() + "/b.jsonl";
  WriteFile(bundle, Lines("acc_rej", 2, 10, end) + "{broken\n");
  WriteFile(dir.path() + "/not-a-dir", "");
  const CommandRun r =
      Vmimport({"-url=" + vm.url(), "-rejects-file=" + dir.path() + "/not-a-dir/r.jsonl", bundle});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(CountAtTarget(vm, "acc_rej"), 20u);
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(r.out, m, std::regex(R"(kept in (\S+vmimport-rejects-\S+\.jsonl))")))
      << r.out;
  EXPECT_NE(r.out.find("cannot create " + dir.path() + "/not-a-dir/r.jsonl"), std::string::npos)
      << r.out;
  const std::vector<nlohmann::json> rejects = JsonLines(m[1].str());
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(rejects[0]["line"], 3);
  struct stat st {};
  ASSERT_EQ(::stat(m[1].str().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::filesystem::remove(m[1].str());
}

// Item 4: a batch retried after the connection broke although the target had stored it. The
// report names exactly the samples the target holds beyond the bundle, from the baseline count
// (the target already held other samples of these names in this range).
TEST(ImporterAccounting, RetriedBatchIsReportedAsExactDuplicatesFromTheBaseline) {
  VmSingle vm;
  TempDir dir;
  const int64_t end = NowMs() / 1000 * 1000 - 600'000;
  // Another series of the same name in the same range: the target's baseline.
  vm.Import(fmt::format(
      R"({{"metric":{{"__name__":"acc_dup","job":"older"}},"values":[1,2,3,4,5,6,7],)"
      R"("timestamps":[{},{},{},{},{},{},{}]}})"
      "\n",
      end - 60'000, end - 50'000, end - 40'000, end - 30'000, end - 20'000, end - 10'000, end));
  const uint64_t before = CountAtTarget(vm, "acc_dup");
  ASSERT_EQ(before, 7u);
  const std::string bundle = dir.path() + "/b.jsonl";
  WriteFile(bundle, Lines("acc_dup", 40, 20, end));
  ImportFaultProxy proxy(vm.url(), [](int n) {
    return n == 1 ? ImportFaultProxy::Action::kForwardThenDrop : ImportFaultProxy::Action::kForward;
  });
  const CommandRun r =
      Vmimport({"-url=" + proxy.url(), "-batch-size=8192", "-concurrency=1", bundle});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const uint64_t at_target = CountAtTarget(vm, "acc_dup");
  const uint64_t beyond = at_target - before - 800;
  EXPECT_GT(beyond, 0u) << r.out;
  EXPECT_NE(r.out.find(fmt::format(
                "duplicates: the target holds {} samples beyond the bundle: {} found = {} held "
                "before + 800 sent + {} stored twice",
                beyond, at_target, before, beyond)),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(fmt::format("retried:         1 batches ({} samples)", beyond)),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("older data"), std::string::npos) << r.out;
}

// Item 9 and the CLI half of item 4: Ctrl-C while the target struggles stops the import with a
// summary and the command that continues it; that command sends only what the target did not
// acknowledge, and a plain re-run is refused instead of sending everything again.
TEST(ImporterAccounting, CtrlCStopsCleanlyAndResumeSendsOnlyTheRest) {
  VmSingle vm;
  TempDir dir;
  const int64_t end = NowMs() / 1000 * 1000 - 600'000;
  const std::string bundle = dir.path() + "/b.jsonl";
  WriteFile(bundle, Lines("acc_res", 60, 20, end));
  std::atomic<bool> overloaded{true};
  ImportFaultProxy proxy(vm.url(), [&](int n) {
    return n >= 3 && overloaded.load() ? ImportFaultProxy::Action::kRefuse503
                                       : ImportFaultProxy::Action::kForward;
  });
  const std::vector<std::string> args = {"-url=" + proxy.url(), "-batch-size=8192",
                                         "-concurrency=1", bundle};

  const std::string out_path = dir.path() + "/run.out";
  const std::string err_path = dir.path() + "/run.err";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
    execl("/bin/sh", "sh", "-c",
          ("exec " + ImportCommand(args) + " >" + out_path + " 2>" + err_path).c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // The fourth batch is being refused (retries with backoff): interrupt now.
  ASSERT_TRUE(WaitFor([&] { return proxy.imports() >= 5; })) << ReadFile(err_path);
  ASSERT_EQ(kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 130);
  const std::string out = ReadFile(out_path);
  const std::string err = ReadFile(err_path);
  EXPECT_NE(err.find("interrupted: canceling"), std::string::npos) << err;
  EXPECT_NE(err.find("3 of the bundle's batches are acknowledged"), std::string::npos) << err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(sent:\s+\d+ series, (\d+) samples)"))) << out;
  const uint64_t first_part = std::stoull(m[1].str());
  EXPECT_EQ(CountAtTarget(vm, "acc_res"), first_part);
  ASSERT_TRUE(
      std::regex_search(err, m, std::regex(R"(\n  vmimport import (.*) -resume='([^']+)'\n)")))
      << err;
  const std::string journal = m[2].str();
  struct stat st {};
  ASSERT_EQ(::stat(journal.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // A plain re-run would send everything again: refused.
  const CommandRun again = Vmimport(args);
  EXPECT_EQ(again.code, 2) << again.out << again.err;
  EXPECT_NE(again.err.find("-resume=" + journal), std::string::npos) << again.err;
  EXPECT_EQ(CountAtTarget(vm, "acc_res"), first_part);

  overloaded.store(false);
  const CommandRun resumed = RunCommand(ShellQuote(VmimportBinary()) + " import " + m[1].str() +
                                        " -resume=" + ShellQuote(journal));
  ASSERT_EQ(resumed.code, 0) << resumed.out << resumed.err;
  EXPECT_NE(resumed.out.find("resumed:         3 batches acknowledged earlier were not sent again"),
            std::string::npos)
      << resumed.out;
  EXPECT_NE(resumed.out.find("verified: the target holds all 60 series and 1200 samples"),
            std::string::npos)
      << resumed.out;
  EXPECT_EQ(CountAtTarget(vm, "acc_res"), 1200u);
  EXPECT_FALSE(std::filesystem::exists(journal));
}

// Item 7: a target that takes writes but answers no query (a raw vminsert) gets the data and an
// honest "imported, not verified"; with a separate read URL the same import verifies.
TEST(ImporterAccounting, TargetThatCannotBeQueriedIsImportedNotVerified) {
  VmSingle vm;
  TempDir dir;
  const int64_t end = NowMs() / 1000 * 1000 - 600'000;
  ImportFaultProxy proxy(vm.url(), [](int) { return ImportFaultProxy::Action::kForward; });
  proxy.set_queries_refused(true);
  WriteFile(dir.path() + "/a.jsonl", Lines("acc_nv", 5, 10, end));
  const CommandRun r = Vmimport({"-url=" + proxy.url(), dir.path() + "/a.jsonl"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verification:    not_verified: imported, not verified"), std::string::npos)
      << r.out;
  EXPECT_EQ(CountAtTarget(vm, "acc_nv"), 50u);

  WriteFile(dir.path() + "/b.jsonl", Lines("acc_nv2", 5, 10, end));
  const CommandRun v =
      Vmimport({"-url=" + proxy.url(), "-read-url=" + vm.url(), dir.path() + "/b.jsonl"});
  ASSERT_EQ(v.code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("verified: the target holds all 5 series and 50 samples"), std::string::npos)
      << v.out;
}

// Item 7: a vmselect URL cannot take writes; a ZIP without metrics.jsonl names what it holds.
TEST(ImporterAccounting, SelectUrlAndZipWithoutMetricsAreRefusedWithTheWayOut) {
  TempDir dir;
  WriteFile(dir.path() + "/a.jsonl", Lines("acc_sel", 1, 2, NowMs()));
  const CommandRun sel =
      Vmimport({"-url=http://127.0.0.1:1/select/0/prometheus", dir.path() + "/a.jsonl"});
  EXPECT_EQ(sel.code, 1) << sel.out << sel.err;
  EXPECT_NE(sel.err.find("vmselect cannot take writes"), std::string::npos) << sel.err;
  EXPECT_NE(sel.err.find("/insert/0/prometheus"), std::string::npos) << sel.err;

  const std::string zip = dir.path() + "/other.zip";
  ASSERT_EQ(
      std::system(
          fmt::format("python3 -c \"import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w'); "
                      "z.writestr('a.jsonl','{{}}'); z.writestr('b.jsonl','{{}}'); z.close()\" {}",
                      ShellQuote(zip))
              .c_str()),
      0);
  const CommandRun z = Vmimport({"-url=http://127.0.0.1:1", zip});
  EXPECT_EQ(z.code, 1) << z.out << z.err;
  EXPECT_NE(z.err.find("has no metrics.jsonl; it holds a.jsonl, b.jsonl"), std::string::npos)
      << z.err;
}

}  // namespace
}  // namespace vmx::testing
