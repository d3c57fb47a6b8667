// Exports that survive production, against a real victoria-metrics behind an in-process fault
// proxy (faults a real VM cannot make on demand): a hang and a refusal mid-export, answers cut
// mid-line, a 429 storm. Each export completes with exactly the samples VM holds (compared with
// count_over_time) and its status showed the retries. Durations are scaled down through the
// job's options (the flags -vm.stallTimeout, -retry.*): an 8 s hang at a 1 s stall timeout
// exercises the same path as a 60 s hang at the default 2 min.
//
// Also: SIGINT of `vmexporter export` (exit 130, no .part, staging kept, the printed resume
// command completes the bundle as printed), SIGTERM of the wizard during a synchronous
// POST /api/export (exits within 2 s), hundreds of concurrent resumes (never a 500, a crash or a
// flipped state), 30 exports in one wizard process (RSS and descriptors stay flat), and staging
// writes that grow linearly with the number of windows.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "application/export/export_service.h"
#include "server/export_api.h"
#include "support/fault_proxy.h"
#include "support/vm_harness.h"

namespace vmx {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using testing::HttpAnswer;
using testing::HttpCall;
using testing::ServerBinary;
using testing::TempDir;
using testing::VmexporterBinary;
using testing::VmSingle;

constexpr int64_t kStepMs = 15'000;
constexpr int kSamplesPerSeries = 480;  // 2 hours
const char kMatch[] = R"({job=~"res-a|res-b"})";

UnixMillis DataStart() { return (NowMillis() / 3'600'000 - 4) * 3'600'000; }

// 20 series of two jobs, one sample every 15 s.
std::string GenerateData(UnixMillis t0) {
  std::string out;
  for (const char* job : {"res-a", "res-b"}) {
    for (int m = 0; m < 10; ++m) {
      std::string values = "[", ts = "[";
      for (int i = 0; i < kSamplesPerSeries; ++i) {
        values += (i > 0 ? "," : "") + std::to_string(i * (m + 1));
        ts += (i > 0 ? "," : "") + std::to_string(t0 + i * kStepMs);
      }
      out += R"({"metric":{"__name__":"res_metric_)" + std::to_string(m) + R"(","job":")" + job +
             R"(","instance":"10.1.0.)" + std::to_string(m) + R"(:8482"},"values":)" + values +
             "],\"timestamps\":" + ts + "]}\n";
    }
  }
  return out;
}

// Samples VictoriaMetrics holds for `match` in [start, end), by count_over_time.
uint64_t VmSampleCount(const VmSingle& vm, const std::string& match, const TimeRange& r) {
  const std::string q =
      "sum(count_over_time(" + match + "[" + std::to_string(r.duration_ms()) + "ms]))";
  const std::string body = vm.Get("/api/v1/query?query=" + httplib::detail::encode_query_param(q) +
                                  "&time=" + std::to_string((r.end_ms - 1) / 1000.0));
  const nlohmann::json j = nlohmann::json::parse(body);
  return static_cast<uint64_t>(std::stod(j["data"]["result"][0]["value"][1].get<std::string>()));
}

struct BundleSamples {
  uint64_t samples = 0;
  uint64_t lines = 0;
};

BundleSamples CountBundleSamples(const std::string& zip) {
  BundleSamples out;
  const testing::CommandRun r = testing::RunCommand("unzip -p '" + zip + "' metrics.jsonl");
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++out.lines;
    out.samples += nlohmann::json::parse(line)["timestamps"].size();
  }
  return out;
}

// An HTTP proxy in front of the real VM that can hang, refuse (stop listening), cut answers
// mid-line (with valid HTTP framing: only the missing newline tells) and answer 429.
class FaultyVm {
 public:
  explicit FaultyVm(int upstream_port) : upstream_port_(upstream_port) { Listen(0); }
  ~FaultyVm() {
    stopping_ = true;
    if (reopener_.joinable()) reopener_.join();
    std::lock_guard<std::mutex> lock(mu_);
    Shutdown();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Every request hangs (no byte) for `d` from now.
  void HangFor(std::chrono::milliseconds d) { hang_until_ = Clock::now() + d; }
  // Nothing listens on the port for `d` from now: connections are refused.
  void RefuseFor(std::chrono::milliseconds d) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      Shutdown();
    }
    reopener_ = std::thread([this, d] {
      const auto until = Clock::now() + d;
      while (!stopping_ && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopping_) Listen(port_);
    });
  }
  // Export answers get 429 for `d` from now.
  void TooManyRequestsFor(std::chrono::milliseconds d) { storm_until_ = Clock::now() + d; }

  std::atomic<int> cut_answers{0};      // the next N export answers end mid-line
  std::atomic<int> delay_ms{0};         // every export request waits this long first
  std::atomic<bool> answer_503{false};  // export requests get 503
  std::atomic<int> export_requests{0};
  std::atomic<int> faults_served{0};

 private:
  void Listen(int port) {
    server_ = std::make_unique<httplib::Server>();
    server_->Post(R"(/.*)",
                  [this](const httplib::Request& q, httplib::Response& r) { Handle(q, r); });
    server_->Get(R"(/.*)",
                 [this](const httplib::Request& q, httplib::Response& r) { Handle(q, r); });
    if (port == 0) {
      port_ = server_->bind_to_any_port("127.0.0.1");
    } else {
      for (int i = 0; i < 200 && !server_->bind_to_port("127.0.0.1", port); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    httplib::Server* s = server_.get();
    thread_ = std::thread([s] { s->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  void Shutdown() {
    if (server_ == nullptr) return;
    server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }
  void Handle(const httplib::Request& req, httplib::Response& res) {
    while (!stopping_ && Clock::now() < hang_until_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const bool is_export = req.path.find("/api/v1/export") != std::string::npos;
    if (is_export) {
      ++export_requests;
      if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
      if (answer_503 || Clock::now() < storm_until_.load()) {
        ++faults_served;
        res.status = answer_503 ? 503 : 429;
        res.set_content(answer_503 ? "storage nodes are restarting" : "too many requests",
                        "text/plain");
        return;
      }
    }
    httplib::Result r = testing::ForwardRequest(upstream_port_, req);
    if (!r) {
      res.status = 502;
      return;
    }
    std::string body = r->body;
    if (is_export && r->status == 200 && body.find('\n') + 1 < body.size() && cut_answers > 0) {
      --cut_answers;
      ++faults_served;
      body.resize(body.find('\n') + 1 +
                  (body.size() - body.find('\n')) / 2);  // inside the second line
      if (body.back() == '\n') body.pop_back();
    }
    res.status = r->status;
    res.set_content(body, r->get_header_value("Content-Type"));
  }

  int upstream_port_;
  int port_ = 0;
  std::mutex mu_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::thread reopener_;
  std::atomic<bool> stopping_{false};
  std::atomic<Clock::time_point> hang_until_{Clock::time_point{}};
  std::atomic<Clock::time_point> storm_until_{Clock::time_point{}};
};

class ExportResilience : public ::testing::Test {
 protected:
  void SetUp() override {
    t0_ = DataStart();
    vm_.Import(GenerateData(t0_));
    range_ = {t0_ + 7'000, t0_ + kSamplesPerSeries * kStepMs - 3'000};
  }

  nlohmann::json ConfigJson(const std::string& url) const {
    return {
        {"connection", {{"url", url}}},
        {"time_range",
         {{"start", FormatRfc3339(range_.start_ms)}, {"end", FormatRfc3339(range_.end_ms)}}},
        {"mode", "custom"},
        {"query_type", "selector"},
        {"query", kMatch},
        {"batching", {{"enabled", true}, {"strategy", "custom"}, {"custom_interval_seconds", 600}}},
        {"staging_dir", staging_.path()},
        {"obfuscation", {{"enabled", false}}}};
  }

  static ExportConfig Config(const nlohmann::json& j) {
    Result<ExportConfig> c = ExportConfigFromJson(j);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return *c;
  }

  // Short timeouts and backoffs (as -vm.stallTimeout=1s -retry.minBackoff=100ms would set).
  ExportServiceOptions FastRetries() const {
    ExportServiceOptions o;
    o.output_dir = out_.path();
    o.job.parallelism = 2;
    o.job.stall_timeout = std::chrono::milliseconds(1000);
    o.job.connect_timeout = std::chrono::milliseconds(1000);
    o.job.retry = {.first_backoff = std::chrono::milliseconds(100),
                   .max_backoff = std::chrono::milliseconds(1000),
                   .max_time = std::chrono::milliseconds(120'000)};
    return o;
  }

  struct Watched {
    nlohmann::json status;
    std::string retry_note;  // a "retrying window …" line seen while it ran
    std::optional<ExportResult> result;
  };

  // Runs an export through `proxy`, calls `fault` once 3 windows are done, and waits for the end.
  Watched RunWithFault(FaultyVm& proxy, const std::function<void()>& fault) {
    ExportService service(FastRetries());
    proxy.delay_ms = 100;  // 12 windows, 2 at a time: time enough for the fault to land mid-export
    Result<std::shared_ptr<ExportJob>> job = service.Start(Config(ConfigJson(proxy.url())));
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    if (!job.ok()) return {};
    Watched w;
    bool faulted = false;
    const auto deadline = Clock::now() + std::chrono::seconds(240);
    while (Clock::now() < deadline) {
      const nlohmann::json st = (*job)->StatusJson();
      if (st["retrying"].is_string() && w.retry_note.empty()) w.retry_note = st["retrying"];
      if (st["state"] != "running" && st["state"] != "pending") break;
      if (!faulted && st["completed_batches"].get<int>() >= 3) {
        fault();
        faulted = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    (*job)->Wait();
    EXPECT_TRUE(faulted) << "the export ended before the fault";
    w.status = (*job)->StatusJson();
    w.result = (*job)->result();
    return w;
  }

  void ExpectExactlyWhatVmHolds(const Watched& w) {
    ASSERT_EQ(w.status["state"], "completed") << w.status.dump();
    ASSERT_TRUE(w.result.has_value());
    const uint64_t expected = VmSampleCount(vm_, kMatch, range_);
    EXPECT_EQ(expected, 20u * (kSamplesPerSeries - 1));
    const BundleSamples got = CountBundleSamples(w.result->archive_path);
    EXPECT_EQ(got.samples, expected) << "the bundle must hold exactly the samples VM holds";
    EXPECT_EQ(w.result->samples_exported, expected);
    EXPECT_EQ(w.status["total_batches"], 12) << "transport faults must not split windows";
    EXPECT_GT(w.status["retries"].get<int>(), 0) << w.status.dump();
    EXPECT_NE(w.retry_note.find("retrying window"), std::string::npos)
        << "status showed no retry: " << w.status.dump();
  }

  VmSingle vm_;
  TempDir out_, staging_;
  UnixMillis t0_ = 0;
  TimeRange range_;
};

// How long the hang, refusal and 429 faults last: 8 s (4 s of 429) keep the suite quick; the
// issue's 60 s is VMX_RESILIENCE_FAULT_SECONDS=60 (the retry policy above allows 120 s per window).
std::chrono::milliseconds FaultLength(int default_ms) {
  const char* s = std::getenv("VMX_RESILIENCE_FAULT_SECONDS");
  return std::chrono::milliseconds(s != nullptr ? std::atoi(s) * 1000 : default_ms);
}

TEST_F(ExportResilience, RidesOutAHangMidExport) {
  FaultyVm proxy(vm_.port());
  const Watched w = RunWithFault(proxy, [&] { proxy.HangFor(FaultLength(8000)); });
  ExpectExactlyWhatVmHolds(w);
  EXPECT_NE(w.retry_note.find("no data for"), std::string::npos) << w.retry_note;
}

TEST_F(ExportResilience, RidesOutRefusedConnectionsMidExport) {
  FaultyVm proxy(vm_.port());
  const Watched w = RunWithFault(proxy, [&] { proxy.RefuseFor(FaultLength(8000)); });
  ExpectExactlyWhatVmHolds(w);
  EXPECT_NE(w.retry_note.find("connection refused"), std::string::npos) << w.retry_note;
}

TEST_F(ExportResilience, RetriesAnswersCutMidLine) {
  FaultyVm proxy(vm_.port());
  const Watched w = RunWithFault(proxy, [&] { proxy.cut_answers = 3; });
  ExpectExactlyWhatVmHolds(w);
  EXPECT_EQ(proxy.faults_served, 3);
  EXPECT_GE(w.status["retries"].get<int>(), 3);
  EXPECT_NE(w.retry_note.find("middle of a line"), std::string::npos) << w.retry_note;
}

TEST_F(ExportResilience, RidesOutA429Storm) {
  FaultyVm proxy(vm_.port());
  const Watched w = RunWithFault(proxy, [&] { proxy.TooManyRequestsFor(FaultLength(4000)); });
  ExpectExactlyWhatVmHolds(w);
  EXPECT_GE(proxy.faults_served, 2);
  EXPECT_NE(w.retry_note.find("429"), std::string::npos) << w.retry_note;
}

// Double clicks on Resume: two concurrent POST /api/export/resume on a canceled job, many times.
// One resumes (200), the other is told the job is running (409); never a 500, never two runners,
// and the export still completes with every sample.
TEST_F(ExportResilience, ConcurrentResumesNeverBreakTheJob) {
  FaultyVm proxy(vm_.port());
  proxy.answer_503 = true;  // windows keep retrying, so every resumed run is still running
  httplib::Server server;
  ExportServiceOptions o = FastRetries();
  o.job.retry.first_backoff = std::chrono::milliseconds(20);
  auto service = std::make_shared<ExportService>(o);
  RegisterExportApi(server, service);
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const auto post = [&](const std::string& path, const std::string& body) {
    return HttpCall("POST", base + path, body, "application/json");
  };
  const auto wait_state = [&](const std::string& id, const std::string& want) {
    nlohmann::json st;
    for (const auto deadline = Clock::now() + std::chrono::seconds(10); Clock::now() < deadline;) {
      st = nlohmann::json::parse(HttpCall("GET", base + "/api/export/status?id=" + id).body);
      if (st["state"] == want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return st;
  };

  HttpAnswer start = post("/api/export/start", ConfigJson(proxy.url()).dump());
  ASSERT_EQ(start.status, 200) << start.body;
  const std::string id = nlohmann::json::parse(start.body)["job_id"];
  const std::string body = nlohmann::json{{"job_id", id}}.dump();
  ASSERT_EQ(post("/api/export/cancel", body).status, 200);
  ASSERT_EQ(wait_state(id, "canceled")["state"], "canceled");
  constexpr int kTrials = 200;
  std::map<int, int> answers;
  for (int trial = 0; trial < kTrials; ++trial) {
    HttpAnswer a, b;
    std::thread other([&] { b = post("/api/export/resume", body); });
    a = post("/api/export/resume", body);
    other.join();
    ++answers[a.status];
    ++answers[b.status];
    ASSERT_TRUE((a.status == 200 && b.status == 409) || (a.status == 409 && b.status == 200))
        << "trial " << trial << ": " << a.status << " " << a.body << " / " << b.status << " "
        << b.body;
    const HttpAnswer& conflict = a.status == 409 ? a : b;
    EXPECT_NE(conflict.body.find("running"), std::string::npos) << conflict.body;
    ASSERT_EQ(wait_state(id, "running")["state"], "running");
    ASSERT_EQ(post("/api/export/cancel", body).status, 200) << "trial " << trial;
    ASSERT_EQ(wait_state(id, "canceled")["state"], "canceled") << "trial " << trial;
  }
  EXPECT_EQ(answers[200], kTrials);
  EXPECT_EQ(answers[409], kTrials);
  std::printf("resume trials: %d, answers 200: %d, 409: %d\n", kTrials, answers[200], answers[409]);

  proxy.answer_503 = false;
  ASSERT_EQ(post("/api/export/resume", body).status, 200);
  const nlohmann::json done = wait_state(id, "completed");
  ASSERT_EQ(done["state"], "completed") << done.dump();
  EXPECT_EQ(CountBundleSamples(done["result"]["archive_path"]).samples,
            VmSampleCount(vm_, kMatch, range_));
  server.stop();
  t.join();
}

// A command of ours run with extra environment, its output in a file; exit code by waitpid.
class Spawned {
 public:
  Spawned(std::vector<std::string> argv, const std::vector<std::string>& env, std::string log_path)
      : log_(std::move(log_path)) {
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, 1);
      dup2(fd, 2);
      for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
      setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Spawned() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  // The exit code, or -1 when it does not end within `limit` (or died of a signal).
  int Wait(std::chrono::milliseconds limit) {
    for (const auto deadline = Clock::now() + limit; Clock::now() < deadline;) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  std::string Log() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  pid_t pid_ = -1;
  std::string log_;
};

size_t CountFiles(const std::string& dir, const std::string& suffix) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      ++n;
  }
  return n;
}

// Ctrl-C of `vmexporter export`: it cancels, removes partial files, keeps the staging, prints the
// resume command with -staging-dir and exits 130; the command run as printed completes the bundle.
TEST_F(ExportResilience, CliInterruptedBySigintPrintsAResumeCommandThatWorksAsPrinted) {
  FaultyVm proxy(vm_.port());
  proxy.delay_ms = 300;  // 12 windows one at a time: ~4 s
  TempDir work;
  const std::vector<std::string> env = {"VMEXPORTER_OBFUSCATION_KEY=sigint-key",
                                        "TMPDIR=" + work.path()};
  Spawned cli({VmexporterBinary(), "export", "-url=" + proxy.url(),
               "-selector=" + std::string(kMatch), "-start=" + FormatRfc3339(range_.start_ms),
               "-end=" + FormatRfc3339(range_.end_ms), "-batch-window=10m", "-parallel=1",
               "-output=" + out_.path(), "-staging-dir=" + staging_.path()},
              env, work.path() + "/first.log");
  for (const auto deadline = Clock::now() + std::chrono::seconds(30);
       Clock::now() < deadline && CountFiles(staging_.path(), ".deflate") < 3;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GE(CountFiles(staging_.path(), ".deflate"), 3u) << cli.Log();
  ASSERT_EQ(kill(cli.pid(), SIGINT), 0);
  const auto sent = Clock::now();
  const int code = cli.Wait(std::chrono::seconds(20));
  const double took = std::chrono::duration<double>(Clock::now() - sent).count();
  const std::string log = cli.Log();
  ASSERT_EQ(code, 130) << log;
  std::printf("SIGINT: vmexporter export exited 130 after %.2f s\n", took);
  EXPECT_EQ(CountFiles(out_.path(), ".part"), 0u) << "no partial bundle";
  EXPECT_EQ(CountFiles(out_.path(), ".zip"), 0u);
  EXPECT_LT(CountFiles(staging_.path(), ".deflate"), 12u);
  EXPECT_GE(CountFiles(staging_.path(), ".deflate"), 3u) << "completed windows are kept";
  EXPECT_EQ(CountFiles(staging_.path(), ".part"), 0u);
  // The command on its own line, as printed for the user to copy.
  const size_t line = log.find("\n  vmexporter export -resume=");
  ASSERT_NE(line, std::string::npos) << log;
  const size_t at = line + 3;
  const std::string printed = log.substr(at, log.find('\n', at) - at);
  EXPECT_NE(printed.find("-staging-dir=" + staging_.path()), std::string::npos) << printed;
  EXPECT_EQ(log.find("sigint-key"), std::string::npos) << "the key is never printed";

  // As printed, from the same directory and environment.
  proxy.delay_ms = 0;
  const testing::CommandRun resumed = testing::RunCommand(
      "cd '" + work.path() + "' && VMEXPORTER_OBFUSCATION_KEY=sigint-key TMPDIR='" + work.path() +
      "' " + VmexporterBinary() + printed.substr(std::string("vmexporter").size()));
  ASSERT_EQ(resumed.code, 0) << printed << "\n" << resumed.err;
  std::string zip = resumed.out;
  while (!zip.empty() && zip.back() == '\n') zip.pop_back();
  zip = zip.substr(zip.rfind('\n') + 1);
  EXPECT_EQ(fs::path(zip).parent_path(), fs::path(out_.path()));
  EXPECT_EQ(CountBundleSamples(zip).samples, VmSampleCount(vm_, kMatch, range_));
  EXPECT_EQ(CountFiles(staging_.path(), ".deflate"), 0u) << "staging goes after success";
}

// SIGTERM of the wizard while a synchronous POST /api/export waits for a hanging VictoriaMetrics:
// the process is gone within 2 s.
TEST_F(ExportResilience, WizardStopsWithin2sOfSigtermDuringASynchronousExport) {
  FaultyVm proxy(vm_.port());
  TempDir out;
  ServerBinary wizard(VmexporterBinary(), {"-output=" + out.path()});
  nlohmann::json config = ConfigJson(proxy.url());
  config["staging_dir"] = out.path() + "/staging";
  std::thread call([&] { (void)wizard.Api("POST", "/api/export", config.dump()); });
  for (const auto deadline = Clock::now() + std::chrono::seconds(20);
       Clock::now() < deadline && proxy.export_requests == 0;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(proxy.export_requests, 0) << wizard.log();
  proxy.HangFor(std::chrono::seconds(120));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the next requests are in the hang
  const pid_t pid = wizard.process().pid();
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  const auto sent = Clock::now();
  const auto exited = [pid] {  // a zombie: exited, not yet reaped by ChildProcess
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    const size_t paren = text.rfind(')');
    return paren == std::string::npos || text.substr(paren + 2, 1) == "Z";
  };
  while (!exited() && Clock::now() - sent < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double took = std::chrono::duration<double>(Clock::now() - sent).count();
  std::printf("SIGTERM during POST /api/export: the wizard exited after %.2f s\n", took);
  EXPECT_TRUE(exited());
  EXPECT_LT(took, 2.5) << "must stop within 2 s (0.5 s of slack for a loaded machine)\n"
                       << wizard.log();
  proxy.HangFor(std::chrono::milliseconds(0));
  call.join();
}

long ProcStatusKb(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field, 0) == 0)
      return std::strtol(line.c_str() + std::strlen(field), nullptr, 10);
  }
  return 0;
}

size_t OpenFds(pid_t pid) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

// 30 exports in one wizard process: resident memory stays within 20 MB of what it was after the
// first, and no descriptor (file, socket) is left behind by a finished export.
TEST_F(ExportResilience, ThirtyExportsInOneProcessKeepMemoryAndDescriptorsFlat) {
  // ASan's quarantine would hold every freed block resident; without it RSS shows what we keep.
  setenv("ASAN_OPTIONS", "detect_leaks=0:quarantine_size_mb=0:thread_local_quarantine_size_kb=0",
         1);
  TempDir out;
  ServerBinary wizard(VmexporterBinary(), {"-output=" + out.path()});
  nlohmann::json config = ConfigJson(vm_.url());
  config["obfuscation"] = {{"enabled", true}, {"custom_labels", {"instance"}}};
  config["staging_dir"] = out.path() + "/staging";
  const pid_t pid = wizard.process().pid();
  long rss_first = 0;
  size_t fds_first = 0;
  for (int i = 1; i <= 30; ++i) {
    HttpAnswer a = wizard.Api("POST", "/api/export", config.dump());
    ASSERT_EQ(a.status, 200) << a.body;
    const std::string zip = nlohmann::json::parse(a.body)["archive_path"];
    ASSERT_EQ(
        wizard.Api("GET", "/api/download?path=" + httplib::detail::encode_query_param(zip)).status,
        200);
    fs::remove(zip);
    fs::remove(zip + ".sha256");
    if (i == 1) {
      rss_first = ProcStatusKb(pid, "VmRSS:");
      fds_first = OpenFds(pid);
    }
  }
  const long rss_last = ProcStatusKb(pid, "VmRSS:");
  const size_t fds_last = OpenFds(pid);
  std::printf(
      "30 exports: VmRSS %ld kB after the first, %ld kB after the 30th (%+ld kB); fds %zu -> %zu\n",
      rss_first, rss_last, rss_last - rss_first, fds_first, fds_last);
  EXPECT_LT(rss_last - rss_first, 20 * 1024);
  EXPECT_LE(fds_last, fds_first) << "descriptors left behind by finished exports";
  setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
}

// Bytes written (/proc/self/io wchar: staging pieces, journal, bundle, requests) grow linearly
// with the number of windows: 4x the windows write about 4x the bytes (a manifest rewritten per
// window would write 16x). 250 and 1,000 windows by default (about 100 s under ASan on 2 loaded
// cores); VMX_RESILIENCE_WINDOWS=2000 gives the issue's 2,000 against 8,000.
TEST_F(ExportResilience, StagingWritesGrowLinearlyWithTheWindowCount) {
  const char* scale = std::getenv("VMX_RESILIENCE_WINDOWS");
  const int small = scale != nullptr ? std::atoi(scale) : 250;
  const int large = 4 * small;
  const UnixMillis t0 = (NowMillis() / 3'600'000) * 3'600'000 - (large + 120) * 60'000LL;
  std::string data;
  for (int m = 0; m < 10; ++m) {
    std::string values = "[", ts = "[";
    for (int i = 0; i < large; ++i) {
      values += (i > 0 ? "," : "") + std::to_string(i);
      ts += (i > 0 ? "," : "") + std::to_string(t0 + i * 60'000LL + 1'000);
    }
    data += R"({"metric":{"__name__":"tiny_)" + std::to_string(m) + R"(","job":"tiny"},"values":)" +
            values + "],\"timestamps\":" + ts + "]}\n";
  }
  vm_.Import(data);
  const auto wchar = [] {
    std::ifstream in("/proc/self/io");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("wchar:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
    }
    return 0ull;
  };
  struct Run {
    unsigned long long bytes;
    double seconds;
    uint64_t samples;
  };
  const auto run = [&](int windows) -> Run {
    nlohmann::json j = ConfigJson(vm_.url());
    j["query"] = R"({job="tiny"})";
    j["time_range"] = {{"start", FormatRfc3339(t0)},
                       {"end", FormatRfc3339(t0 + windows * 60'000LL)}};
    j["batching"]["custom_interval_seconds"] = 60;
    ExportServiceOptions o = FastRetries();
    o.job.parallelism = 3;
    ExportService service(o);
    const unsigned long long before = wchar();
    const auto started = Clock::now();
    Result<std::shared_ptr<ExportJob>> job = service.Start(Config(j));
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    if (!job.ok()) return {};
    (*job)->Wait();
    EXPECT_EQ((*job)->state(), ExportJobState::kCompleted) << (*job)->StatusJson().dump();
    EXPECT_EQ((*job)->StatusJson()["total_batches"], windows);
    const Run r{wchar() - before, std::chrono::duration<double>(Clock::now() - started).count(),
                (*job)->result() ? (*job)->result()->samples_exported : 0};
    fs::remove((*job)->result()->archive_path);
    return r;
  };
  const Run a = run(small);
  const Run b = run(large);
  std::printf(
      "windows %d: %llu bytes written (wchar), %.2f s; windows %d: %llu bytes, %.2f s; ratio %.2f "
      "bytes, %.2f time\n",
      small, a.bytes, a.seconds, large, b.bytes, b.seconds, static_cast<double>(b.bytes) / a.bytes,
      b.seconds / a.seconds);
  EXPECT_EQ(a.samples, 10u * small);
  EXPECT_EQ(b.samples, 10u * large);
  EXPECT_LT(static_cast<double>(b.bytes) / a.bytes, 6.0)
      << "writes must grow linearly with the windows";
  EXPECT_LT(b.seconds / a.seconds, 10.0) << "time must not grow quadratically";
}

}  // namespace
}  // namespace vmx
