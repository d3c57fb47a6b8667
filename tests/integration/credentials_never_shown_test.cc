// Credentials never logged, never on disk, never echoed (SPEC.md section 10, issue 9): the real
// vmexporter binary with -debug, as `vmexporter export` (-password, VMEXPORTER_PASSWORD,
// -bearer-token, -header, user:pass@ in -url, wrong passwords) and as the wizard's server
// (/api/config, /api/validate, /api/discover, /api/export/start, cancel, failing exports),
// reaching a real victoria-metrics through a real vmauth with basic and bearer users. Every
// secret is unique, and none may appear in stdout/stderr, any API answer, any staging file
// (while the export runs and after a cancel), any output file or any entry of a bundle.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "domain/time_range.h"
#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

using nlohmann::json;

// "-secret" keeps every needle out of hex digests, tokens and ids, which could hold "7f3a9c".
constexpr const char* kPassword = "pw-7f3a9c-secret";
constexpr const char* kToken = "tok-7f3a9c-secret";
constexpr const char* kHeaderValue = "hdr-7f3a9c-secret";
constexpr const char* kUrlPassword = "url-7f3a9c-secret";
constexpr const char* kWrongPassword = "wrong-7f3a9c-secret";

std::string Base64(const std::string& in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Every secret as it could leak: plain, and inside a logged Basic authorization header.
std::vector<std::string> Needles() {
  return {"7f3a9c-secret", Base64(std::string("support:") + kPassword),
          Base64(std::string("support:") + kWrongPassword),
          Base64(std::string("urluser:") + kUrlPassword),
          Base64(std::string("urluser:") + kWrongPassword)};
}

// Fails the test naming `where` and the surroundings of the first needle found in `text`.
void ExpectNoSecret(const std::string& where, const std::string& text) {
  for (const std::string& needle : Needles()) {
    const size_t at = text.find(needle);
    EXPECT_EQ(at, std::string::npos)
        << "a credential leaked into " << where << ": …"
        << text.substr(at < 120 ? 0 : at - 120, 240 + needle.size()) << "…";
  }
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

size_t CountFiles(const std::string& dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    n += it->is_regular_file(ec) ? 1 : 0;
  }
  return n;
}

// Checks every file under `dir` byte for byte, and every entry of every ZIP inflated; returns
// how many files it read.
size_t ExpectNoSecretInTree(const std::string& what, const std::string& dir) {
  size_t files = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    ++files;
    const std::string path = it->path().string();
    ExpectNoSecret(what + " file " + path, ReadFile(it->path()));
    if (it->path().extension() == ".zip") {
      const CommandRun listing = RunCommand("unzip -Z1 '" + path + "'");
      EXPECT_EQ(listing.code, 0) << listing.err;
      ExpectNoSecret(what + " entry names of " + path, listing.out);
      std::istringstream names(listing.out);
      std::string entry;
      size_t entries = 0;
      while (std::getline(names, entry)) {
        const CommandRun content = RunCommand("unzip -p '" + path + "' '" + entry + "'");
        ExpectNoSecret(what + " bundle entry " + entry, content.out);
        ++entries;
      }
      EXPECT_GE(entries, 2u) << path;
    }
  }
  return files;
}

// One victoria-metrics with two jobs over the last hour, behind a vmauth with a basic user, a
// bearer token and a second basic user for user:pass@ URLs.
class CredentialsNeverShown : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    vm_ = new VmSingle();
    end_ms_ = (std::chrono::duration_cast<std::chrono::seconds>(
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
        for (int i = 0; i < 240; ++i) {
          values += (i ? "," : "") + std::to_string(i);
          stamps += (i ? "," : "") + std::to_string(end_ms_ - (239 - i) * 15000);
        }
        lines += R"({"metric":{"__name__":")" + name + R"(","job":")" + job + R"(","instance":")" +
                 ip + R"(","version":")" + (name == "vm_app_version" ? version : "") +
                 R"("},"values":[)" + values + R"(],"timestamps":[)" + stamps + "]}\n";
      }
    }
    vm_->Import(lines);
    auth_ = new VmAuth(
        "users:\n"
        "  - username: \"support\"\n    password: \"" +
        std::string(kPassword) + "\"\n    url_prefix: \"" + vm_->url() + "\"\n" +
        "  - username: \"urluser\"\n    password: \"" + std::string(kUrlPassword) +
        "\"\n    url_prefix: \"" + vm_->url() + "\"\n" + "  - bearer_token: \"" +
        std::string(kToken) + "\"\n    url_prefix: \"" + vm_->url() + "\"\n");
  }
  static void TearDownTestSuite() {
    delete auth_;
    delete vm_;
    auth_ = nullptr;
    vm_ = nullptr;
  }

  // auth_->url() with user:pass@ inside.
  static std::string UrlWithPassword(const std::string& password) {
    return "http://urluser:" + password + "@127.0.0.1:" + std::to_string(auth_->port());
  }

  static json Basic(const std::string& password) {
    return {{"type", "basic"}, {"username", "support"}, {"password", password}};
  }

  // An ExportConfig for both jobs over the loaded hour in windows of `window_s` seconds.
  static json ExportConfig(const json& connection, const std::string& staging, int window_s) {
    return {
        {"connection", connection},
        {"time_range",
         {{"start", FormatRfc3339(end_ms_ - 3600 * 1000)}, {"end", FormatRfc3339(end_ms_ + 1000)}}},
        {"mode", "cluster"},
        {"components", {"vmstorage", "vmagent"}},
        {"jobs", {"prod-vmstorage", "prod-vmagent"}},
        {"job_components", {{"prod-vmstorage", "vmstorage"}, {"prod-vmagent", "vmagent"}}},
        {"batching",
         {{"enabled", true}, {"strategy", "custom"}, {"custom_interval_seconds", window_s}}},
        {"staging_dir", staging},
        {"obfuscation", {{"enabled", true}}}};
  }

  static VmSingle* vm_;
  static VmAuth* auth_;
  static int64_t end_ms_;
};
VmSingle* CredentialsNeverShown::vm_ = nullptr;
VmAuth* CredentialsNeverShown::auth_ = nullptr;
int64_t CredentialsNeverShown::end_ms_ = 0;

TEST_F(CredentialsNeverShown, ExportCommandWithEveryKindOfCredential) {
  const std::string common =
      " -debug -since=1h -batch-window=20m -jobs=prod-vmstorage,prod-vmagent";
  struct Case {
    std::string name;
    std::string command;
  };
  const std::vector<Case> cases = {
      {"-password", VmexporterBinary() + " export -url=" + auth_->url() +
                        " -username=support -password=" + kPassword},
      {"VMEXPORTER_PASSWORD", std::string("VMEXPORTER_PASSWORD=") + kPassword + " " +
                                  VmexporterBinary() + " export -url=" + auth_->url() +
                                  " -username=support"},
      {"-bearer-token",
       VmexporterBinary() + " export -url=" + auth_->url() + " -bearer-token=" + kToken},
      {"-header", VmexporterBinary() + " export -url=" + vm_->url() +
                      " -header='X-Scope-OrgID: " + kHeaderValue + "'"},
      {"user:pass@ in -url", VmexporterBinary() + " export -url=" + UrlWithPassword(kUrlPassword)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir out, staging;
    const CommandRun r = RunCommand(c.command + common + " -output=" + out.path() +
                                    " -staging-dir=" + staging.path());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("/api/v1/export -> 200"), std::string::npos)
        << "-debug logs each call: " << r.err;
    ExpectNoSecret(c.name + " stdout", r.out);
    ExpectNoSecret(c.name + " stderr", r.err);
    EXPECT_GE(ExpectNoSecretInTree(c.name + " output", out.path()), 2u) << "bundle and checksum";
    ExpectNoSecretInTree(c.name + " staging", staging.path());
  }

  // Refusals: the wrong password is not repeated, a URL with user:pass@ is shown redacted.
  const std::vector<Case> refused = {
      {"wrong -password", VmexporterBinary() + " export -url=" + auth_->url() +
                              " -username=support -password=" + kWrongPassword},
      {"wrong password in -url",
       VmexporterBinary() + " export -url=" + UrlWithPassword(kWrongPassword)},
      {"unreachable -url with password", VmexporterBinary() +
                                             " export -url=http://urluser:" + kUrlPassword +
                                             "@127.0.0.1:" + std::to_string(FreePort())},
  };
  for (const Case& c : refused) {
    SCOPED_TRACE(c.name);
    TempDir out, staging;
    const CommandRun r = RunCommand(c.command + common + " -output=" + out.path() +
                                    " -staging-dir=" + staging.path());
    EXPECT_NE(r.code, 0) << r.err;
    EXPECT_FALSE(r.err.empty());
    ExpectNoSecret(c.name + " stdout", r.out);
    ExpectNoSecret(c.name + " stderr", r.err);
    EXPECT_EQ(r.err.find("urluser:"), std::string::npos) << r.err;
    ExpectNoSecretInTree(c.name + " output", out.path());
    ExpectNoSecretInTree(c.name + " staging", staging.path());
  }
}

// The status of export `id` once it has left pending/running (the last one read after
// `timeout_ms`, which the caller's state check then reports).
json StatusAtTheEnd(const ServerBinary& server, const std::string& id, int timeout_ms) {
  json status;
  WaitFor(
      [&] {
        status = json::parse(server.Api("GET", "/api/export/status?id=" + id).body, nullptr, false);
        return status.value("state", "") != "pending" && status.value("state", "") != "running";
      },
      timeout_ms);
  return status;
}

TEST_F(CredentialsNeverShown, WizardServerWithDebugLogging) {
  TempDir out, staging, scratch;
  ServerBinary server(VmexporterBinary(),
                      {"-debug", "-output", out.path(), "-vm.url", UrlWithPassword(kUrlPassword)});

  // The prefilled URL reaches the page without its password.
  const HttpAnswer config = server.Api("GET", "/api/config");
  ASSERT_EQ(config.status, 200) << config.body;
  ExpectNoSecret("/api/config", config.body);
  const json prefill = json::parse(config.body, nullptr, false);
  EXPECT_EQ(prefill.value("default_vm_url", ""), auth_->url()) << config.body;
  EXPECT_EQ(prefill.value("default_vm_username", ""), "urluser") << config.body;

  struct Call {
    std::string name;
    std::string path;
    json body;
    int status;
  };
  const json range = {{"start", FormatRfc3339(end_ms_ - 3600 * 1000)},
                      {"end", FormatRfc3339(end_ms_ + 1000)}};
  const std::vector<Call> calls = {
      {"validate basic",
       "/api/validate",
       {{"connection", {{"url", auth_->url()}, {"auth", Basic(kPassword)}}}},
       200},
      {"validate wrong password",
       "/api/validate",
       {{"connection", {{"url", auth_->url()}, {"auth", Basic(kWrongPassword)}}}},
       200},
      {"validate bearer",
       "/api/validate",
       {{"connection", {{"url", auth_->url()}, {"auth", {{"type", "bearer"}, {"token", kToken}}}}}},
       200},
      {"validate header",
       "/api/validate",
       {{"connection",
         {{"url", vm_->url()},
          {"auth",
           {{"type", "header"},
            {"header_name", "X-Scope-OrgID"},
            {"header_value", kHeaderValue}}}}}},
       200},
      {"validate user:pass@ url",
       "/api/validate",
       {{"connection", {{"url", UrlWithPassword(kUrlPassword)}}}},
       200},
      {"validate wrong user:pass@ url",
       "/api/validate",
       {{"connection", {{"url", UrlWithPassword(kWrongPassword)}}}},
       200},
      {"discover basic",
       "/api/discover",
       {{"connection", {{"url", auth_->url()}, {"auth", Basic(kPassword)}}}, {"time_range", range}},
       200},
      {"discover wrong password",
       "/api/discover",
       {{"connection", {{"url", auth_->url()}, {"auth", Basic(kWrongPassword)}}},
        {"time_range", range}},
       401},
  };
  for (const Call& c : calls) {
    const HttpAnswer a = server.Api("POST", c.path, c.body.dump());
    EXPECT_EQ(a.status, c.status) << c.name << ": " << a.body;
    ExpectNoSecret(c.name + " answer", a.body);
  }

  // A long export (60 one-minute windows): its staging files are read while it runs.
  const HttpAnswer start = server.Api(
      "POST", "/api/export/start",
      ExportConfig({{"url", auth_->url()}, {"auth", Basic(kPassword)}}, staging.path(), 60).dump());
  ASSERT_EQ(start.status, 200) << start.body;
  ExpectNoSecret("export/start answer", start.body);
  const std::string id = json::parse(start.body).value("job_id", "");
  json status;
  size_t staging_reads = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const HttpAnswer s = server.Api("GET", "/api/export/status?id=" + id);
    ExpectNoSecret("export/status answer", s.body);
    status = json::parse(s.body, nullptr, false);
    staging_reads += ExpectNoSecretInTree("running export's staging", staging.path());
    if (status.value("state", "") != "pending" && status.value("state", "") != "running") break;
  }
  ASSERT_EQ(status.value("state", ""), "completed") << status.dump();
  EXPECT_GT(staging_reads, 0u) << "the staging dir was never seen with files in it";
  const HttpAnswer bundle = server.Api(
      "GET", "/api/download?path=" + status["result"].value("archive_name", std::string()));
  ASSERT_EQ(bundle.status, 200);
  std::ofstream(scratch.path() + "/downloaded.zip", std::ios::binary) << bundle.body;
  EXPECT_GE(ExpectNoSecretInTree("output", out.path()), 2u);
  ExpectNoSecretInTree("download", scratch.path());

  // A canceled export keeps its staging for a resume: still nothing secret in it.
  TempDir staging2;
  const HttpAnswer start2 =
      server.Api("POST", "/api/export/start",
                 ExportConfig({{"url", UrlWithPassword(kUrlPassword)}}, staging2.path(), 5).dump());
  ASSERT_EQ(start2.status, 200) << start2.body;
  const std::string id2 = json::parse(start2.body).value("job_id", "");
  // 720 five-second windows: canceled once some are staged, long before the last one.
  WaitFor([&] { return CountFiles(staging2.path()) >= 3; }, 60000);
  EXPECT_GE(ExpectNoSecretInTree("staging before the cancel", staging2.path()), 3u);
  const HttpAnswer cancel = server.Api("POST", "/api/export/cancel", json{{"job_id", id2}}.dump());
  EXPECT_EQ(cancel.status, 200) << cancel.body;
  ExpectNoSecret("export/cancel answer", cancel.body);
  status = StatusAtTheEnd(server, id2, 60000);
  EXPECT_EQ(status.value("state", ""), "canceled") << status.dump();
  ExpectNoSecret("canceled export status", status.dump());
  EXPECT_GE(ExpectNoSecretInTree("canceled export's staging", staging2.path()), 1u)
      << "kept for a resume";

  // An export with a wrong password fails, and says so without the password.
  TempDir staging3;
  const HttpAnswer start3 = server.Api(
      "POST", "/api/export/start",
      ExportConfig({{"url", auth_->url()}, {"auth", Basic(kWrongPassword)}}, staging3.path(), 1200)
          .dump());
  ExpectNoSecret("failing export/start answer", start3.body);
  if (start3.status == 200) {
    const std::string id3 = json::parse(start3.body).value("job_id", "");
    status = StatusAtTheEnd(server, id3, 120000);
    EXPECT_EQ(status.value("state", ""), "failed") << status.dump();
    ExpectNoSecret("failed export status", status.dump());
  } else {
    EXPECT_EQ(start3.status, 401) << start3.body;
  }
  ExpectNoSecretInTree("failed export's staging", staging3.path());

  // -debug logged the calls (so there was something to leak), URLs redacted, and the session
  // token only in the one line that prints the URL to open.
  const std::string log = server.log();
  EXPECT_NE(log.find("POST /api/discover -> 401"), std::string::npos) << log.substr(0, 3000);
  EXPECT_NE(log.find("/api/v1/export -> 200"), std::string::npos) << log.substr(0, 3000);
  EXPECT_NE(log.find("auth basic"), std::string::npos) << log.substr(0, 3000);
  ExpectNoSecret("server stdout/stderr (-debug)", log);
  EXPECT_EQ(log.find("urluser:"), std::string::npos);
  const size_t token_at = log.find(server.token());
  ASSERT_NE(token_at, std::string::npos);
  EXPECT_EQ(log.find(server.token(), token_at + 1), std::string::npos)
      << "the session token was logged";
}

}  // namespace
}  // namespace vmx::testing
