// Attacks any local process can make on both binaries' loopback servers (issue 15), replayed
// against the real vmexporter and vmimport: an endless request line, a huge body without a token,
// slowloris, and leftovers of a refused body. Each must be refused early with memory flat and
// /api/health answering.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/raw_connection.h"
#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

using std::chrono::milliseconds;

// The bound for the whole process during an attack. ASan binaries start higher than
// release ones, so the growth over the idle process is also held to half of it.
constexpr long kRssLimitKb = 100 * 1024;
constexpr long kRssGrowthLimitKb = 50 * 1024;

// The highest VmRSS of a process while this object lives, sampled every 10 ms.
class PeakRss {
 public:
  explicit PeakRss(pid_t pid)
      : peak_kb_(RssKb(pid)), thread_([this, pid] {
          while (!stop_.load()) {
            peak_kb_.store(std::max(peak_kb_.load(), RssKb(pid)));
            std::this_thread::sleep_for(milliseconds(10));
          }
        }) {}
  ~PeakRss() { Stop(); }
  // Stops sampling and returns the peak in KiB.
  long Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    return peak_kb_.load();
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<long> peak_kb_{0};
  std::thread thread_;
};

class LocalServerAttacks : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerBinary>(
        GetParam() == "vmexporter" ? VmexporterBinary() : VmimportBinary(),
        std::vector<std::string>{});
    ASSERT_FALSE(server_->printed_url().empty());
    port_ = PortOf(server_->base());
    idle_rss_kb_ = RssKb(server_->process().pid());
  }

  // Asserts the process stayed small; `what` names the attack in the failure.
  void ExpectSmall(long rss_kb, const std::string& what) const {
    std::printf("%s %s: VmRSS %ld kB (idle %ld kB)\n", GetParam().c_str(), what.c_str(), rss_kb,
                idle_rss_kb_);
    EXPECT_LT(rss_kb - idle_rss_kb_, kRssGrowthLimitKb) << what;
    if (idle_rss_kb_ < kRssLimitKb - kRssGrowthLimitKb) {
      EXPECT_LT(rss_kb, kRssLimitKb) << what;
    }
  }

  // Milliseconds a fresh GET /api/health takes, or -1 when it fails.
  long HealthMs() const {
    const auto start = std::chrono::steady_clock::now();
    const HttpAnswer a = HttpCall("GET", server_->base() + "/api/health");
    const long ms = static_cast<long>(
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start).count());
    return a.status == 200 ? ms : -1;
  }

  std::unique_ptr<ServerBinary> server_;
  int port_ = 0;
  long idle_rss_kb_ = 0;
};

// Before: 1 GiB of "A" after "GET /" drove vmexporter to 1.09 GB RSS (httplib grows the line).
TEST_P(LocalServerAttacks, EndlessRequestLineIsCutAt8KiB) {
  RawConnection c(port_);
  ASSERT_TRUE(c.connected());
  PeakRss peak(server_->process().pid());
  ASSERT_TRUE(c.Send("GET /"));
  const uint64_t sent = c.SendFilled(1ULL << 30, 'A');
  const long rss = peak.Stop();
  EXPECT_LT(sent, 64ULL << 20) << "the server kept reading the request line";
  const std::string answer = c.ReadUntilClosed(milliseconds(5000));
  EXPECT_EQ(StatusOf(answer), 414) << answer.substr(0, 200);
  ExpectSmall(rss, "after a 1 GiB request line");
  EXPECT_GE(HealthMs(), 0);
}

TEST_P(LocalServerAttacks, EndlessHeadersAreCutAt64KiB) {
  RawConnection c(port_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: "));
  const uint64_t sent = c.SendFilled(256ULL << 20, 'B');
  EXPECT_LT(sent, 64ULL << 20);
  EXPECT_EQ(StatusOf(c.ReadUntilClosed(milliseconds(5000))), 431);
}

// Before: a 2 GiB body without a token was read whole before the 404 (vmimport) or 413.
TEST_P(LocalServerAttacks, HugeBodyWithoutTokenIsRefusedUnread) {
  for (const std::string path : {"/anything", "/api/upload", "/api/config"}) {
    RawConnection c(port_);
    ASSERT_TRUE(c.connected());
    PeakRss peak(server_->process().pid());
    ASSERT_TRUE(c.Send("POST " + path +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2147483648\r\n\r\n"));
    const uint64_t sent = c.SendFilled(2ULL << 30, 'C');
    const long rss = peak.Stop();
    EXPECT_LT(sent, 64ULL << 20) << path << ": the server kept reading the body";
    const int status = StatusOf(c.ReadUntilClosed(milliseconds(5000)));
    EXPECT_EQ(status, path == "/anything" ? 413 : 401) << path;
    ExpectSmall(rss, "after a 2 GiB body to " + path);
  }
}

TEST_P(LocalServerAttacks, JsonRouteRefusesABodyOver1MiBWithTheToken) {
  RawConnection c(port_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(
      c.Send("POST /api/config HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: " + server_->token() +
             "\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n"));
  const uint64_t sent = c.SendFilled(2ULL << 30, '{');
  EXPECT_LT(sent, 64ULL << 20);
  const std::string answer = c.ReadUntilClosed(milliseconds(5000));
  EXPECT_EQ(StatusOf(answer), 413) << answer.substr(0, 300);
  EXPECT_NE(answer.find("limit of 1048576 bytes"), std::string::npos) << answer.substr(0, 300);
}

// The rest of a refused body is never read as the next request on the connection.
TEST_P(LocalServerAttacks, RefusedRequestClosesTheConnection) {
  RawConnection c(port_);
  ASSERT_TRUE(c.connected());
  const std::string smuggled = "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_TRUE(c.Send("POST /api/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                     std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled));
  const std::string answer = c.ReadUntilClosed(milliseconds(5000));
  EXPECT_EQ(StatusOf(answer), 401) << answer;
  EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
}

// Before: 70 connections sending a header line every 15 s (or 300 idle ones) held every worker
// and /api/health timed out for the whole minute.
TEST_P(LocalServerAttacks, HealthAnswersWithin1sDuringSlowloris) {
  std::vector<RawConnection> idle;
  std::vector<RawConnection> slow;
  for (int i = 0; i < 300; ++i) {
    slow.emplace_back(port_);
    ASSERT_TRUE(slow.back().connected());
    ASSERT_TRUE(slow.back().Send("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    idle.emplace_back(port_);
    ASSERT_TRUE(idle.back().connected());
  }
  long worst = 0;
  for (int round = 0; round < 3; ++round) {
    for (RawConnection& c : slow) c.Send("X-Slow: 1\r\n");
    const long ms = HealthMs();
    ASSERT_GE(ms, 0) << "round " << round;
    worst = std::max(worst, ms);
  }
  std::printf("%s: /api/health took at most %ld ms with 300 slowloris + 300 idle connections\n",
              GetParam().c_str(), worst);
  EXPECT_LT(worst, 1000);
}

// Keep-alive and pipelining still work: two requests in one write get two answers.
TEST_P(LocalServerAttacks, PipelinedRequestsAreBothAnswered) {
  RawConnection c(port_);
  ASSERT_TRUE(c.connected());
  const std::string get = "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_TRUE(
      c.Send(get + "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  const std::string answer = c.ReadUntilClosed(milliseconds(5000));
  size_t count = 0;
  for (size_t at = answer.find("HTTP/1.1 200"); at != std::string::npos;
       at = answer.find("HTTP/1.1 200", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 2u) << answer;
}

TEST_P(LocalServerAttacks, EncodedPathCannotSkipTheTokenCheck) {
  RawConnection c(port_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("GET /%61pi/config HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  const std::string answer = c.ReadUntilClosed(milliseconds(5000));
  EXPECT_EQ(StatusOf(answer), 400) << answer;
}

INSTANTIATE_TEST_SUITE_P(Both, LocalServerAttacks, ::testing::Values("vmexporter", "vmimport"));

}  // namespace
}  // namespace vmx::testing
