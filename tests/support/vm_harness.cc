#include "support/vm_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace vmx::testing {
namespace {

struct SplitUrl {
  std::string scheme_host_port;
  std::string path;
};

SplitUrl Split(const std::string& url) {
  const size_t scheme_end = url.find("://");
  const size_t path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (path_start == std::string::npos) return {url, "/"};
  return {url.substr(0, path_start), url.substr(path_start)};
}

}  // namespace

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::string log_path)
    : log_path_(std::move(log_path)) {
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    const int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() { Stop(); }

void ChildProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Kill();
}

void ChildProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "vmx-test-XXXXXX").string();
  path_ = mkdtemp(tmpl.data());
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

HttpAnswer HttpCall(const std::string& method, const std::string& url, const std::string& body,
                    const std::string& content_type, const std::string& basic_user,
                    const std::string& basic_pass,
                    const std::vector<std::pair<std::string, std::string>>& headers) {
  const SplitUrl u = Split(url);
  httplib::Client cli(u.scheme_host_port);
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  cli.set_default_headers(h);
  cli.set_connection_timeout(5);
  cli.set_read_timeout(60);
  if (!basic_user.empty()) cli.set_basic_auth(basic_user.c_str(), basic_pass.c_str());
  httplib::Result r = method == "POST"
                          ? cli.Post(u.path.c_str(), body, content_type.empty() ? "text/plain" : content_type.c_str())
                          : cli.Get(u.path.c_str());
  if (!r) return {0, httplib::to_string(r.error())};
  return {r->status, r->body};
}

void WaitForHttp(const std::string& url, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    HttpAnswer a = HttpCall("GET", url);
    if (a.status > 0 && a.status < 500) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "timed out waiting for " << url;
}

VmSingle::VmSingle(VmSingleOptions options) : options_(std::move(options)), port_(FreePort()) {
  Start();
}

VmSingle::~VmSingle() = default;

void VmSingle::Start() {
  std::vector<std::string> argv = {
      "/usr/bin/victoria-metrics",
      "-storageDataPath=" + dir_.path() + "/data",
      "-httpListenAddr=127.0.0.1:" + std::to_string(port_),
      "-retentionPeriod=" + options_.retention,
      "-search.latencyOffset=0s",
      "-search.disableCache",
      "-loggerLevel=ERROR",
  };
  if (!options_.path_prefix.empty()) argv.push_back("-http.pathPrefix=" + options_.path_prefix);
  argv.insert(argv.end(), options_.extra_flags.begin(), options_.extra_flags.end());
  proc_ = std::make_unique<ChildProcess>(argv, dir_.path() + "/vm.log");
  WaitForHttp(url() + "/health");
}

void VmSingle::Stop() { proc_.reset(); }

void VmSingle::Kill() {
  if (proc_) proc_->Kill();
  proc_.reset();
}

std::string VmSingle::root_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
std::string VmSingle::url() const { return root_url() + options_.path_prefix; }

void VmSingle::Import(const std::string& jsonl) {
  HttpAnswer a = HttpCall("POST", url() + "/api/v1/import", jsonl, "application/jsonl");
  ASSERT_EQ(a.status, 204) << a.body;
  HttpAnswer f = HttpCall("GET", url() + "/internal/force_flush");
  ASSERT_EQ(f.status, 200) << f.body;
}

std::string VmSingle::Get(const std::string& path_and_query) const {
  HttpAnswer a = HttpCall("GET", url() + path_and_query);
  EXPECT_EQ(a.status, 200) << path_and_query << ": " << a.body;
  return a.body;
}

VmAuth::VmAuth(const std::string& config_yaml) : port_(FreePort()) {
  const std::string cfg = dir_.path() + "/auth.yml";
  std::ofstream(cfg) << config_yaml;
  proc_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/vmauth", "-httpListenAddr=127.0.0.1:" + std::to_string(port_),
                               "-auth.config=" + cfg, "-loggerLevel=ERROR"},
      dir_.path() + "/vmauth.log");
  WaitForHttp(url() + "/health");
}

VmAuth::~VmAuth() = default;

std::string VmAuth::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

CommandRun RunCommand(const std::string& command_line) {
  TempDir dir;
  const std::string err_path = dir.path() + "/stderr";
  CommandRun r;
  FILE* p = popen(("ASAN_OPTIONS=detect_leaks=0 " + command_line + " 2>" + err_path).c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path, std::ios::binary);
  r.err.assign(std::istreambuf_iterator<char>(err), {});
  return r;
}

std::string ManagedGatewayConfig(const VmSingle& rw, const VmSingle& plain) {
  return "users:\n  - username: \"m\"\n    password: \"p\"\n    url_map:\n"
         "      - src_paths: [\"/1011/rw/prometheus/api/v1/query.*\", "
         "\"/1011/rw/prometheus/api/v1/series.*\", \"/1011/rw/prometheus/api/v1/label.*\"]\n"
         "        url_prefix: \"" + rw.root_url() + "\"\n"
         "      - src_paths: [\"/1011/prometheus/api/v1/.*\"]\n"
         "        url_prefix: \"" + plain.root_url() + "\"\n";
}

std::string VmexporterBinary() { return std::string(VMX_BIN_DIR) + "/vmexporter"; }
std::string VmimportBinary() { return std::string(VMX_BIN_DIR) + "/vmimport"; }

}  // namespace vmx::testing

namespace vmx::testing {

ServerBinary::ServerBinary(const std::string& binary, std::vector<std::string> args) {
  args.insert(args.begin(), binary);
  args.push_back("-no-browser");
  proc_ = std::make_unique<ChildProcess>(args, dir_.path() + "/out.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = log();
    const size_t at = text.find("listening on ");
    if (at != std::string::npos) {
      const size_t end = text.find('\n', at);
      if (end != std::string::npos) {
        url_ = text.substr(at + 13, end - at - 13);
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << binary << " printed no 'listening on' line: " << log();
}

std::string ServerBinary::base() const {
  const size_t slash = url_.find('/', url_.find("://") + 3);
  return slash == std::string::npos ? url_ : url_.substr(0, slash);
}

std::string ServerBinary::token() const {
  const size_t at = url_.find("token=");
  return at == std::string::npos ? "" : url_.substr(at + 6);
}

HttpAnswer ServerBinary::Api(const std::string& method, const std::string& path,
                             const std::string& body) const {
  return HttpCall(method, base() + path, body, "application/json", "", "", {{"X-Auth-Token", token()}});
}

std::string ServerBinary::log() const {
  std::ifstream in(proc_->log_path());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace vmx::testing
