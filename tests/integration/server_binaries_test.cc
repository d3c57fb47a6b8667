// Both binaries start, print their URL, serve the embedded page and /api/health, refuse to bind
// beyond what was asked, refuse foreign Host names and cross-site Origins, and shut down on
// SIGTERM.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/raw_connection.h"
#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

class ServerBinaries : public ::testing::TestWithParam<std::string> {};

TEST_P(ServerBinaries, ServesPageAndHealthOnLoopback) {
  const std::string bin = GetParam() == "vmexporter" ? VmexporterBinary() : VmimportBinary();
  ServerBinary server(bin, {});
  ASSERT_FALSE(server.printed_url().empty());
  EXPECT_EQ(server.printed_url().rfind("http://127.0.0.1:", 0), 0u) << server.printed_url();
  EXPECT_NE(server.log().find(GetParam() + " listening on http://127.0.0.1:"), std::string::npos);

  HttpAnswer page = HttpCall("GET", server.base() + "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<title>" + GetParam()), std::string::npos);

  HttpAnswer health = HttpCall("GET", server.base() + "/api/health");
  ASSERT_EQ(health.status, 200);
  nlohmann::json j = nlohmann::json::parse(health.body);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_FALSE(j["version"].get<std::string>().empty());
}

TEST_P(ServerBinaries, BusyPortFallsBackToAFreeOne) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int busy = ntohs(addr.sin_port);

  const std::string bin = GetParam() == "vmexporter" ? VmexporterBinary() : VmimportBinary();
  ServerBinary server(bin, {"-addr", "127.0.0.1:" + std::to_string(busy)});
  ASSERT_FALSE(server.printed_url().empty()) << server.log();
  EXPECT_EQ(server.printed_url().find(":" + std::to_string(busy) + "/"), std::string::npos);
  EXPECT_EQ(HttpCall("GET", server.base() + "/api/health").status, 200);
  close(fd);
}

TEST_P(ServerBinaries, ExitsCleanlyOnSigterm) {
  const std::string bin = GetParam() == "vmexporter" ? VmexporterBinary() : VmimportBinary();
  ServerBinary server(bin, {});
  ASSERT_FALSE(server.printed_url().empty());
  server.process().Stop();  // SIGTERM, waits up to 10 s before SIGKILL
  EXPECT_EQ(server.process().exit_status(), 0)
      << "128+n is signal n (9: it had to be killed): " << server.log();
  EXPECT_NE(server.log().find("shutting down"), std::string::npos) << server.log();
  EXPECT_NE(HttpCall("GET", server.base() + "/api/health").status, 200);
}

// DNS rebinding: a page of another site whose name resolves to 127.0.0.1 sends its own Host.
TEST_P(ServerBinaries, ForeignHostIsRefused) {
  ServerBinary server(GetParam() == "vmexporter" ? VmexporterBinary() : VmimportBinary(), {});
  const HttpAnswer page =
      HttpCall("GET", server.base() + "/", "", "", "", "", {{"Host", "evil.example:80"}});
  EXPECT_EQ(page.status, 421) << page.body;
  const HttpAnswer api = HttpCall("GET", server.base() + "/api/config", "", "", "", "",
                                  {{"Host", "evil.example"}, {"X-Auth-Token", server.token()}});
  EXPECT_EQ(api.status, 421) << "the token does not make a foreign name ours: " << api.body;
  EXPECT_EQ(HttpCall("GET", server.base() + "/api/health", "", "", "", "", {{"Host", "localhost"}})
                .status,
            200);
}

// A request a page of another origin sends (even another local server's page, on another port)
// is refused before it does anything; the page we served may post.
TEST_P(ServerBinaries, CrossSiteOriginIsRefused) {
  ServerBinary server(GetParam() == "vmexporter" ? VmexporterBinary() : VmimportBinary(), {});
  const std::string path = GetParam() == "vmexporter" ? "/api/validate" : "/api/connection/check";
  const std::string body = R"({"connection":{"url":"http://127.0.0.1:1"}})";
  const int port = PortOf(server.base());
  for (const std::string& origin : {std::string("https://evil.example"), std::string("null"),
                                    "http://127.0.0.1:" + std::to_string(port + 1)}) {
    const HttpAnswer a = HttpCall("POST", server.base() + path, body, "application/json", "", "",
                                  {{"X-Auth-Token", server.token()}, {"Origin", origin}});
    EXPECT_EQ(a.status, 403) << origin << ": " << a.body;
    EXPECT_NE(a.body.find("cross-site"), std::string::npos) << a.body;
  }
  const HttpAnswer own = HttpCall("POST", server.base() + path, body, "application/json", "", "",
                                  {{"X-Auth-Token", server.token()}, {"Origin", server.base()}});
  EXPECT_NE(own.status, 403) << own.body;
  EXPECT_EQ(own.body.find("cross-site"), std::string::npos) << own.body;
}

INSTANTIATE_TEST_SUITE_P(Both, ServerBinaries, ::testing::Values("vmexporter", "vmimport"));

TEST(Harness, RealVictoriaMetricsAnswersImportedData) {
  VmSingle vm;
  vm.Import(R"({"metric":{"__name__":"harness_probe","job":"t"},"values":[1,2],"timestamps":[1700000000000,1700000030000]})" "\n");
  const std::string body = vm.Get("/api/v1/export?match[]=harness_probe&start=1699999999&end=1700000100");
  EXPECT_NE(body.find("\"values\":[1,2]"), std::string::npos) << body;
}

// The harness lets VictoriaMetrics choose its port (":0") and finds it in /proc; a stopped VM's
// port stays reserved (refused, not taken by anyone), and a restart gets it back.
TEST(Harness, VmChoosesItsPortAndARestartKeepsIt) {
  VmSingle vm;
  ASSERT_GT(vm.port(), 0);
  EXPECT_EQ(vm.process()->WaitForListeningPort(1000), vm.port());
  vm.Import(R"({"metric":{"__name__":"restart_probe"},"values":[1],"timestamps":[1700000000000]})"
            "\n");
  const int port = vm.port();
  vm.Stop();
  EXPECT_EQ(HttpCall("GET", vm.url() + "/health").status, 0) << "a stopped VM's port is refused";
  vm.Start();
  EXPECT_EQ(vm.port(), port);
  EXPECT_NE(vm.Get("/api/v1/export?match[]=restart_probe").find("\"values\":[1]"),
            std::string::npos);
}

TEST(Harness, FreePortIsRefusedUntilAChildListensOnIt) {
  const int port = FreePort();
  ASSERT_GT(port, 0);
  EXPECT_EQ(HttpCall("GET", "http://127.0.0.1:" + std::to_string(port) + "/").status, 0);
  TempDir dir;
  std::ofstream(dir.path() + "/auth.yml")
      << "users:\n- bearer_token: t\n  url_prefix: http://127.0.0.1:1\n";
  ChildProcess auth({"/usr/bin/vmauth", "-httpListenAddr=127.0.0.1:" + std::to_string(port),
                     "-auth.config=" + dir.path() + "/auth.yml", "-loggerLevel=ERROR"},
                    dir.path() + "/vmauth.log");
  EXPECT_EQ(auth.WaitForListeningPort(), port);
}

}  // namespace
}  // namespace vmx::testing

namespace vmx::testing {
namespace {

TEST(LocalServerSafety, ApiNeedsTheSessionToken) {
  ServerBinary server(VmexporterBinary(), {});
  ASSERT_FALSE(server.token().empty()) << server.printed_url();
  EXPECT_EQ(server.token().size(), 64u);
  HttpAnswer without = HttpCall("GET", server.base() + "/api/config");
  EXPECT_EQ(without.status, 401);
  EXPECT_NE(without.body.find("token"), std::string::npos) << without.body;
  HttpAnswer wrong = HttpCall("GET", server.base() + "/api/config", "", "", "", "",
                              {{"X-Auth-Token", std::string(64, 'a')}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(server.Api("GET", "/api/config").status, 200);
  const std::string port = server.base().substr(server.base().rfind(':') + 1);
  HttpAnswer cookie =
      HttpCall("GET", server.base() + "/api/config", "", "", "", "",
               {{"Cookie", "other=1; vmx_exporter_" + port + "=" + server.token()}});
  EXPECT_EQ(cookie.status, 200);
  // Another server's cookie (another binary, or the same one on another port) is not ours.
  HttpAnswer other = HttpCall("GET", server.base() + "/api/config", "", "", "", "",
                              {{"Cookie", "vmx_import_" + port + "=" + server.token()}});
  EXPECT_EQ(other.status, 401);
}

TEST(LocalServerSafety, OpeningThePrintedUrlSetsTheCookie) {
  ServerBinary server(VmimportBinary(), {});
  httplib::Client cli(server.base());
  httplib::Result r = cli.Get(("/?token=" + server.token()).c_str());
  ASSERT_TRUE(r);
  const std::string port = server.base().substr(server.base().rfind(':') + 1);
  EXPECT_EQ(r->get_header_value("Set-Cookie").find("vmx_import_" + port + "=" + server.token()),
            0u);
  EXPECT_NE(r->get_header_value("Set-Cookie").find("HttpOnly"), std::string::npos);
  httplib::Result plain = cli.Get("/");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->has_header("Set-Cookie"));
}

// Refused from its head alone: the server answers and closes before the body is sent, so the
// client must not die of SIGPIPE or give up on the answer (httplib's client does both).
TEST(LocalServerSafety, OversizedBodyIs413) {
  ServerBinary server(VmexporterBinary(), {});
  RawConnection c(PortOf(server.base()));
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(
      c.Send("POST /api/config HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: " + server.token() +
             "\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n"));
  c.SendFilled(2 << 20, 'x');
  EXPECT_EQ(StatusOf(c.ReadUntilClosed(std::chrono::milliseconds(5000))), 413);
}

}  // namespace
}  // namespace vmx::testing
