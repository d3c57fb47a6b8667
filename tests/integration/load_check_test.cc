// Load check (issue 9, "Assurance"): the real vmexporter server runs three exports at once
// against a real victoria-metrics while 50 clients poll /api/export/status and one more keeps
// opening the UI page. Every poll must be answered 200, the page must stay responsive, every
// bundle must verify, and further identical rounds must not grow the server's memory.
// Found here: httplib's listen backlog of 5 (SYN retransmits: 1 s, 7 s polls) and its 8 workers,
// each held by an idle keep-alive connection (page 2.3 s); both fixed in common/local_server.cc.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "domain/time_range.h"
#include "support/raw_connection.h"
#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

constexpr int kExports = 3;
constexpr int kPollers = 50;
constexpr int kSampleEveryS = 15;
constexpr int kHours = 6;
// The wizard polls once a second: a typical answer slower than that interval is a visible stall
// (the idle keep-alive connections holding every worker made each page take 2.3 s). The worst
// single answer gets the room a loaded 2-core machine (ASan, ctest -j, a CPU hog beside it) needs
// for a descheduled thread, yet stays below the 7 s of a dropped SYN behind a full backlog.
constexpr double kUiTypicalMs = 1000;
constexpr double kUiWorstMs = 5000;
// Three exports of 6 h finish in seconds here; a loaded machine gets ample time.
constexpr auto kRoundDeadline = std::chrono::seconds(90);
// A later round re-uses what the first one allocated; 20 MB leaves room for the finished jobs
// kept for status/download plus allocator noise (measured: about 1.5 MB per round), and is
// less than one round's uncompressed export data (3 x 432,000 samples), so a leaked window
// buffer or bundle per export shows.
constexpr long kRssGrowthLimitKb = 20 * 1024;
// Two identical rounds after the first: a per-round leak shows twice.
constexpr int kRounds = 3;

using Clock = std::chrono::steady_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t at =
      std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[at];
}

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// What one round measured.
struct RoundFigures {
  std::vector<double> poll_ms;
  std::vector<double> ui_ms;
  size_t polls_not_200 = 0;
  std::string first_bad_poll;
  size_t ui_not_200 = 0;
  long rss_kb = 0;
  double seconds = 0;
  int completed = 0;
};

class LoadCheck : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    vm_ = new VmSingle();
    end_ms_ = (NowMs() / 1000 - 60) * 1000;
    const int samples = kHours * 3600 / kSampleEveryS;
    std::string lines;
    for (const std::string job : {"prod-vmstorage", "prod-vmselect", "prod-vmagent"}) {
      for (int instance = 1; instance <= 4; ++instance) {
        for (int m = 0; m < 25; ++m) {
          std::string values, stamps;
          for (int i = 0; i < samples; ++i) {
            values += (i ? "," : "") + std::to_string(i * (m + 1));
            stamps += (i ? "," : "") +
                      std::to_string(end_ms_ - (samples - 1 - i) * kSampleEveryS * 1000LL);
          }
          lines += R"({"metric":{"__name__":"vm_load_metric_)" + std::to_string(m) +
                   R"(_total","job":")" + job + R"(","instance":"10.20.)" +
                   std::to_string(instance) + R"(.7:8482"},"values":[)" + values +
                   R"(],"timestamps":[)" + stamps + "]}\n";
        }
      }
    }
    vm_->Import(lines);
  }
  static void TearDownTestSuite() {
    delete vm_;
    vm_ = nullptr;
  }

  void SetUp() override {
    // ASan's quarantine holds up to 256 MB of freed memory (plus 1 MB per thread, 64 workers)
    // and would read as growth; without it RSS shows what the server really keeps. Overflows
    // are still caught; the other server tests keep use-after-free detection.
    const char* old = std::getenv("ASAN_OPTIONS");
    const std::string saved = old == nullptr ? "" : old;
    setenv("ASAN_OPTIONS",
           (saved + (saved.empty() ? "" : ":") +
            "quarantine_size_mb=0:thread_local_quarantine_size_kb=0")
               .c_str(),
           1);
    server_ = std::make_unique<ServerBinary>(VmexporterBinary(),
                                             std::vector<std::string>{"-output", out_.path()});
    if (old == nullptr) {
      unsetenv("ASAN_OPTIONS");
    } else {
      setenv("ASAN_OPTIONS", saved.c_str(), 1);
    }
  }

  // An obfuscated export of the loaded six hours in 30-minute windows (twelve per export).
  nlohmann::json Config(const std::string& staging) const {
    return {{"connection", {{"url", vm_->url()}}},
            {"time_range",
             {{"start", FormatRfc3339(end_ms_ - kHours * 3600 * 1000)},
              {"end", FormatRfc3339(end_ms_ + 1000)}}},
            {"mode", "cluster"},
            {"components", {"vmstorage", "vmselect", "vmagent"}},
            {"jobs", {"prod-vmstorage", "prod-vmselect", "prod-vmagent"}},
            {"job_components",
             {{"prod-vmstorage", "vmstorage"},
              {"prod-vmselect", "vmselect"},
              {"prod-vmagent", "vmagent"}}},
            {"batching",
             {{"enabled", true}, {"strategy", "custom"}, {"custom_interval_seconds", 1800}}},
            {"staging_dir", staging},
            {"obfuscation", {{"enabled", true}}}};
  }

  // Starts three exports, polls them with 50 clients and the page with one more until all
  // three end, then downloads and verifies every bundle.
  RoundFigures RunRound(int round) {
    RoundFigures f;
    std::vector<std::string> ids;
    std::vector<std::unique_ptr<TempDir>> staging;
    const Clock::time_point started = Clock::now();
    for (int i = 0; i < kExports; ++i) {
      staging.push_back(std::make_unique<TempDir>());
      HttpAnswer a =
          server_->Api("POST", "/api/export/start", Config(staging.back()->path()).dump());
      EXPECT_EQ(a.status, 200) << a.body;
      ids.push_back(nlohmann::json::parse(a.body, nullptr, false).value("job_id", ""));
    }

    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> clients;
    for (int c = 0; c < kPollers; ++c) {
      clients.emplace_back([&, c] {
        // A browser tab keeps its connection alive between polls; so does each client here,
        // which is what can tie up the server's worker threads.
        httplib::Client http(server_->base());
        http.set_keep_alive(true);
        http.set_connection_timeout(5);
        http.set_read_timeout(30);
        const httplib::Headers auth = {{"X-Auth-Token", server_->token()}};
        std::vector<double> mine;
        size_t bad = 0;
        std::string first_bad;
        for (size_t n = 0; !stop.load(); ++n) {
          const Clock::time_point t = Clock::now();
          const httplib::Result r =
              http.Get(("/api/export/status?id=" + ids[(c + n) % ids.size()]).c_str(), auth);
          mine.push_back(MsSince(t));
          if (!r || r->status != 200) {
            if (bad++ == 0)
              first_bad = r ? std::to_string(r->status) + " " + r->body.substr(0, 200)
                            : httplib::to_string(r.error());
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        std::lock_guard<std::mutex> lock(mu);
        f.poll_ms.insert(f.poll_ms.end(), mine.begin(), mine.end());
        f.polls_not_200 += bad;
        if (f.first_bad_poll.empty()) f.first_bad_poll = first_bad;
      });
    }
    std::thread page([&] {
      while (!stop.load()) {
        const Clock::time_point t = Clock::now();
        const HttpAnswer a = HttpCall("GET", server_->base() + "/");
        f.ui_ms.push_back(MsSince(t));
        if (a.status != 200 || a.body.find("<html") == std::string::npos) ++f.ui_not_200;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });

    // The exports' own progress, as the wizard's step would follow it.
    std::vector<nlohmann::json> final_status(ids.size());
    const Clock::time_point deadline = Clock::now() + kRoundDeadline;
    size_t ended = 0;
    while (ended < ids.size() && Clock::now() < deadline) {
      ended = 0;
      for (size_t i = 0; i < ids.size(); ++i) {
        final_status[i] = nlohmann::json::parse(
            server_->Api("GET", "/api/export/status?id=" + ids[i]).body, nullptr, false);
        const std::string state =
            final_status[i].is_object() ? final_status[i].value("state", "") : "";
        if (state != "pending" && state != "running") ++ended;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }

    // Downloads happen under the same load, as a user would fetch a bundle while others poll.
    for (size_t i = 0; i < ids.size(); ++i) {
      const std::string state =
          final_status[i].is_object() ? final_status[i].value("state", "") : "";
      EXPECT_EQ(state, "completed") << "round " << round << ": " << final_status[i].dump();
      if (state != "completed") continue;
      ++f.completed;
      const std::string name = final_status[i]["result"].value("archive_name", "");
      const HttpAnswer bundle = server_->Api("GET", "/api/download?path=" + name);
      EXPECT_EQ(bundle.status, 200) << bundle.body.substr(0, 300);
      if (bundle.status != 200) continue;
      const std::string saved = scratch_.path() + "/" + name;
      std::ofstream(saved, std::ios::binary) << bundle.body;
      const CommandRun verify = RunCommand(VmexporterBinary() + " verify '" + saved + "'");
      EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
    }
    stop = true;
    for (auto& t : clients) t.join();
    page.join();
    f.seconds = MsSince(started) / 1000;
    f.rss_kb = RssKb(server_->process().pid());

    std::printf(
        "load round %d: %.1f s, %zu status polls (%zu not 200), p50 %.1f ms, p99 %.1f ms, max %.1f "
        "ms; "
        "%zu page loads, p50 %.1f ms, p99 %.1f ms, max %.1f ms; server VmRSS %ld kB\n",
        round, f.seconds, f.poll_ms.size(), f.polls_not_200, Percentile(f.poll_ms, 0.5),
        Percentile(f.poll_ms, 0.99), Percentile(f.poll_ms, 1), f.ui_ms.size(),
        Percentile(f.ui_ms, 0.5), Percentile(f.ui_ms, 0.99), Percentile(f.ui_ms, 1), f.rss_kb);
    std::fflush(stdout);
    return f;
  }

  static VmSingle* vm_;
  static int64_t end_ms_;
  TempDir out_;
  TempDir scratch_;
  std::unique_ptr<ServerBinary> server_;
};
VmSingle* LoadCheck::vm_ = nullptr;
int64_t LoadCheck::end_ms_ = 0;

TEST_F(LoadCheck, ThreeExportsAndFiftyPollersLeaveTheUiResponsiveAndMemoryFlat) {
  std::vector<RoundFigures> rounds;
  for (int round = 1; round <= kRounds; ++round) {
    rounds.push_back(RunRound(round));
    const RoundFigures& f = rounds.back();
    ASSERT_EQ(f.completed, kExports) << "round " << round;
    EXPECT_EQ(f.polls_not_200, 0u) << "round " << round << ", first: " << f.first_bad_poll;
    EXPECT_GT(f.poll_ms.size(), static_cast<size_t>(kPollers))
        << "every client polled at least once";
    EXPECT_EQ(f.ui_not_200, 0u) << "round " << round;
    EXPECT_GT(f.ui_ms.size(), 5u);
    EXPECT_LT(Percentile(f.ui_ms, 0.5), kUiTypicalMs)
        << "round " << round << ": the page is slow under load";
    EXPECT_LT(Percentile(f.ui_ms, 1), kUiWorstMs)
        << "round " << round << ": the page stalled under load";
    EXPECT_LT(Percentile(f.poll_ms, 0.5), kUiTypicalMs)
        << "round " << round << ": status polls are slow";
    EXPECT_LT(Percentile(f.poll_ms, 1), kUiWorstMs)
        << "round " << round << ": status polls stalled";
  }
  ASSERT_GT(rounds[0].rss_kb, 0);
  for (int round = 2; round <= kRounds; ++round) {
    const long growth = rounds[round - 1].rss_kb - rounds[0].rss_kb;
    std::printf("load: server VmRSS after round %d: %ld kB, %+ld kB over round 1 (limit %ld kB)\n",
                round, rounds[round - 1].rss_kb, growth, kRssGrowthLimitKb);
    EXPECT_LT(growth, kRssGrowthLimitKb)
        << "memory grew between identical rounds (round " << round << ")";
  }
}

}  // namespace
}  // namespace vmx::testing
