// HttpClient against a real VictoriaMetrics (and vmauth) on 127.0.0.1; an in-process server only
// for faults VictoriaMetrics cannot produce (a stalled stream).
#include "common/http_client.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "support/vm_harness.h"

namespace vmx {
namespace {

using testing::FreePort;

// HttpClientOptions with one change applied (designated initialisers would warn about the rest).
template <typename F>
HttpClientOptions With(F change) {
  HttpClientOptions o;
  change(o);
  return o;
}
using testing::VmAuth;
using testing::VmSingle;

constexpr const char* kSeries =
    R"({"metric":{"__name__":"http_client_probe","job":"j","instance":"10.0.0.1:80"},"values":[1,2,3],"timestamps":[1700000000000,1700000001000,1700000002000]})"
    "\n";

TEST(HttpClientLive, GetsAndStreamsFromVictoriaMetrics) {
  VmSingle vm;
  vm.Import(kSeries);
  HttpClient client({});
  Result<HttpResponse> r =
      client.Get(vm.url() + "/api/v1/query?query=" + UrlEncode("count(http_client_probe)") +
                 "&time=1700000003");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("\"success\""), std::string::npos) << r->body;
  EXPECT_NE(r->content_type.find("application/json"), std::string::npos);

  std::string streamed;
  int chunks = 0;
  Result<HttpResponse> e = client.PostFormStream(vm.url() + "/api/v1/export",
                                                 {{"match[]", "{__name__=\"http_client_probe\"}"},
                                                  {"start", "1699999999"},
                                                  {"end", "1700000010"}},
                                                 [&](std::string_view chunk) {
                                                   streamed.append(chunk);
                                                   ++chunks;
                                                   return true;
                                                 });
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->status, 200);
  EXPECT_GE(chunks, 1);
  EXPECT_TRUE(e->body.empty());  // a 2xx body goes to the callback only
  EXPECT_NE(streamed.find("\"values\":[1,2,3]"), std::string::npos) << streamed;
}

TEST(HttpClientLive, NonSuccessStatusIsAResponseNotAnError) {
  VmSingle vm;
  HttpClient client({});
  Result<HttpResponse> r = client.Get(vm.url() + "/api/v1/query?query=" + UrlEncode("sum(("));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 422);
  std::string seen;
  Result<HttpResponse> s = client.PostFormStream(vm.url() + "/api/v1/export", {{"match[]", "{"}},
                                                 [&](std::string_view c) {
                                                   seen.append(c);
                                                   return true;
                                                 });
  ASSERT_TRUE(s.ok());
  EXPECT_GE(s->status, 400);
  EXPECT_TRUE(seen.empty());  // error bodies never reach the data callback
  EXPECT_FALSE(s->body.empty());
}

TEST(HttpClientLive, CallbackAbortIsCanceled) {
  VmSingle vm;
  vm.Import(kSeries);
  HttpClient client({});
  Result<HttpResponse> e = client.PostFormStream(vm.url() + "/api/v1/export",
                                                 {{"match[]", "{__name__=\"http_client_probe\"}"}},
                                                 [](std::string_view) { return false; });
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kCanceled);
}

TEST(HttpClientLive, BasicAndBearerAuthThroughVmauth) {
  VmSingle vm;
  VmAuth auth(
      "users:\n"
      "  - username: \"reader\"\n    password: \"s3cret:pw\"\n    url_prefix: \"" +
      vm.url() +
      "\"\n"
      "  - bearer_token: \"tok-123\"\n    url_prefix: \"" +
      vm.url() + "\"\n");
  const std::string q = auth.url() + "/api/v1/labels";
  {
    HttpClient c(With([](auto& o) {
      o.basic_user = "reader";
      o.basic_password = "s3cret:pw";
    }));
    Result<HttpResponse> r = c.Get(q);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200) << r->body;
  }
  {
    HttpClient c(With([](auto& o) { o.bearer_token = "tok-123"; }));
    Result<HttpResponse> r = c.Get(q);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << r->body;
  }
  {
    HttpClient c(With([](auto& o) {
      o.header_name = "Authorization";
      o.header_value = "Bearer tok-123";
    }));
    Result<HttpResponse> r = c.Get(q);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << r->body;
  }
  {
    HttpClient c(With([](auto& o) {
      o.basic_user = "reader";
      o.basic_password = "wrong";
    }));
    Result<HttpResponse> r = c.Get(q);
    ASSERT_TRUE(r.ok());
    EXPECT_NE(r->status, 200);
  }
}

// The client-side ports of every TCP connection to 127.0.0.1:`port` the kernel still knows: open
// ones and closed ones in TIME_WAIT (60 s, on whichever side closed first), so none opened during
// a test is missed. (VictoriaMetrics' own accept counter shows on /metrics only seconds later.)
std::set<int> ClientPortsTo(int port) {
  std::set<int> ports;
  std::ifstream tcp("/proc/net/tcp");
  std::string line;
  std::getline(tcp, line);  // header
  while (std::getline(tcp, line)) {
    std::istringstream in(line);
    std::string slot, local, remote, state;
    in >> slot >> local >> remote >> state;
    if (state == "0A") continue;  // LISTEN
    const int local_port = std::stoi(local.substr(local.find(':') + 1), nullptr, 16);
    const int remote_port = std::stoi(remote.substr(remote.find(':') + 1), nullptr, 16);
    if (remote == fmt::format("0100007F:{:04X}", port)) ports.insert(local_port);
    if (local == fmt::format("0100007F:{:04X}", port)) ports.insert(remote_port);
  }
  return ports;
}

TEST(HttpClientLive, ConcurrentCallsShareConnections) {
  VmSingle vm;
  const std::set<int> before = ClientPortsTo(vm.port());
  HttpClient client({});
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        Result<HttpResponse> r = client.Get(vm.url() + "/api/v1/labels");
        if (r.ok() && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 100);
  // 100 calls from 4 threads: at most one connection per thread reached the server; without
  // reuse it would be 100.
  size_t opened = 0;
  for (int p : ClientPortsTo(vm.port())) opened += before.count(p) == 0;
  EXPECT_GE(opened, 1u);
  EXPECT_LE(opened, 4u) << "connections were not reused";
}

TEST(HttpClientErrors, ConnectionRefusedNamesHostAndHints) {
  const int port = FreePort();
  HttpClient client(With([](auto& o) { o.connect_timeout = std::chrono::milliseconds(2000); }));
  const std::string url = "http://user:pw@127.0.0.1:" + std::to_string(port) + "/api/v1/query";
  Result<HttpResponse> r = client.Get(url);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("connection refused"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("pw"), std::string::npos) << r.status().message();
  EXPECT_NE(
      r.status().hint().find("is VictoriaMetrics running at 127.0.0.1:" + std::to_string(port)),
      std::string::npos)
      << r.status().hint();
}

TEST(HttpClientErrors, UnknownHostSaysDns) {
  HttpClient client(With([](auto& o) { o.connect_timeout = std::chrono::milliseconds(3000); }));
  Result<HttpResponse> r = client.Get("http://no-such-host.invalid:8428/api/v1/query");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("cannot resolve host"), std::string::npos)
      << r.status().message();
}

TEST(HttpClientErrors, TlsToPlainHttpServerFailsWithHint) {
  VmSingle vm;
  HttpClient client({});
  Result<HttpResponse> r = client.Get("https://127.0.0.1:" + std::to_string(vm.port()) + "/health");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("TLS"), std::string::npos) << r.status().ToString();
  EXPECT_FALSE(r.status().hint().empty());
}

TEST(HttpClientErrors, HeaderInjectionIsRefused) {
  HttpClient client(With([](auto& o) {
    o.header_name = "X-Token";
    o.header_value = "a\r\nX-Evil: 1";
  }));
  Result<HttpResponse> r = client.Get("http://127.0.0.1:1/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

// A stalled stream (headers sent, then silence) is something VictoriaMetrics does not do on demand.
TEST(HttpClientErrors, StalledStreamTimesOutWithoutTotalCap) {
  httplib::Server server;
  std::atomic<bool> stop{false};
  server.Post("/api/v1/export", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/stream+json",
                                     [&](size_t, httplib::DataSink& sink) {
                                       sink.write("{\"a\":1}\n", 8);
                                       // Far longer than the stall limit: only the stall
                                       // detection can end this call in time.
                                       for (int i = 0; i < 2400 && !stop; ++i)
                                         std::this_thread::sleep_for(std::chrono::milliseconds(50));
                                       sink.done();
                                       return true;
                                     });
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  HttpClient client(With([](auto& o) { o.stall_timeout = std::chrono::milliseconds(1000); }));
  std::string got;
  const auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> r =
      client.PostFormStream("http://127.0.0.1:" + std::to_string(port) + "/api/v1/export",
                            {{"match[]", "x"}}, [&](std::string_view c) {
                              got.append(c);
                              return true;
                            });
  const auto took = std::chrono::steady_clock::now() - start;
  stop = true;
  server.stop();
  t.join();
  ASSERT_FALSE(r.ok()) << "took "
                       << std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  EXPECT_EQ(r.status().code(), StatusCode::kTimeout) << r.status().ToString();
  EXPECT_EQ(got, "{\"a\":1}\n");
  // libcurl averages the speed over a few seconds, so a 1 s stall limit fires within ~7 s; the
  // margin is for a loaded machine, the server alone would hold the stream for 120 s.
  EXPECT_LT(took, std::chrono::seconds(60));
}

TEST(HttpClientEncoding, UrlEncodeAndForm) {
  EXPECT_EQ(UrlEncode("a b&c=d/é~._-"), "a%20b%26c%3Dd%2F%C3%A9~._-");
  EXPECT_EQ(EncodeForm({{"match[]", "{job=\"x\"}"}, {"start", "1.5"}}),
            "match%5B%5D=%7Bjob%3D%22x%22%7D&start=1.5");
  EXPECT_EQ(EncodeForm({}), "");
}

TEST(HttpClientEncoding, RedactUrlHidesSecrets) {
  EXPECT_EQ(RedactUrl("https://bob:hunter2@vm.example.com:8427/select/0/prometheus"),
            "https://***@vm.example.com:8427/select/0/prometheus");
  EXPECT_EQ(RedactUrl("http://h/api?query=up&access_token=abc&apiKey=k#f"),
            "http://h/api?query=up&access_token=***&apiKey=***#f");
  EXPECT_EQ(RedactUrl("h:8428"), "h:8428");
  EXPECT_EQ(RedactUrl("http://h@x"), "http://***@x");
  EXPECT_EQ(RedactUrl(""), "");
}

}  // namespace
}  // namespace vmx
