// Both binaries start, print their URL, serve the embedded page and /api/health, refuse to bind
// beyond what was asked, and shut down on SIGTERM.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

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
  server.process().Stop();  // SIGTERM, waits up to 5 s before SIGKILL
  EXPECT_NE(server.log().find("shutting down"), std::string::npos) << server.log();
  EXPECT_NE(HttpCall("GET", server.base() + "/api/health").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Both, ServerBinaries, ::testing::Values("vmexporter", "vmimport"));

TEST(Harness, RealVictoriaMetricsAnswersImportedData) {
  VmSingle vm;
  vm.Import(R"({"metric":{"__name__":"harness_probe","job":"t"},"values":[1,2],"timestamps":[1700000000000,1700000030000]})" "\n");
  const std::string body = vm.Get("/api/v1/export?match[]=harness_probe&start=1699999999&end=1700000100");
  EXPECT_NE(body.find("\"values\":[1,2]"), std::string::npos) << body;
}

}  // namespace
}  // namespace vmx::testing
