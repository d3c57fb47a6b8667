#include "support/vm_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/close_range.h>
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
#include <set>
#include <sstream>
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

// A socket bound to 127.0.0.1:port (0: any) with SO_REUSEADDR and never listened on; -1 on error.
int ReservingSocket(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int BoundPort(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

// Inodes of the sockets among /proc/<pid>/fd.
std::set<std::string> SocketInodes(pid_t pid) {
  std::set<std::string> inodes;
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    const std::string target = std::filesystem::read_symlink(e.path(), ec).string();
    if (!ec && target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  return inodes;
}

// The port of a 127.0.0.1 LISTEN entry of /proc/<pid>/net/tcp whose inode is in `inodes`; -1.
int LoopbackListenPort(pid_t pid, const std::set<std::string>& inodes) {
  std::ifstream tcp("/proc/" + std::to_string(pid) + "/net/tcp");
  std::string line;
  std::getline(tcp, line);  // header
  while (std::getline(tcp, line)) {
    std::istringstream f(line);
    std::string slot, local, remote, state, queues, timer, retrans, uid, timeout, inode;
    f >> slot >> local >> remote >> state >> queues >> timer >> retrans >> uid >> timeout >> inode;
    if (state != "0A" || inodes.count(inode) == 0) continue;
    const size_t colon = local.find(':');
    if (local.substr(0, colon) != "0100007F") continue;  // 127.0.0.1, little-endian hex
    return static_cast<int>(std::stoul(local.substr(colon + 1), nullptr, 16));
  }
  return -1;
}

// Every test process runs with a private TMPDIR, removed when it exits: what its children put
// under the temp dir (our binaries' default staging root, -stdout carrier bundles, vmimport view)
// never lands in the user's real /tmp/vmexporter-staging, and parallel tests never share a path.
class PrivateTmpdir {
 public:
  PrivateTmpdir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vmx-tests-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return;
    path_ = tmpl;
    setenv("TMPDIR", path_.c_str(), 1);
  }
  ~PrivateTmpdir() {
    if (path_.empty() || getpid() != owner_) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

 private:
  std::string path_;
  pid_t owner_ = getpid();
};
const PrivateTmpdir private_tmpdir;

// True once `pid` is gone or a zombie (not reaped here: its owner collects the exit status).
bool ExitedOrZombie(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const size_t paren = line.rfind(')');  // the command name may hold spaces and parentheses
  return paren == std::string::npos || line.substr(paren + 2, 1) == "Z";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

int FreePort() {
  // Held until the test process exits: the point is that nobody else gets the port meanwhile.
  const int fd = ReservingSocket(0);
  return fd < 0 ? 0 : BoundPort(fd);
}

int ListeningPort(pid_t pid, int timeout_ms, const std::string& log_path) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (pid > 0 && std::chrono::steady_clock::now() < deadline) {
    const int port = LoopbackListenPort(pid, SocketInodes(pid));
    if (port > 0) return port;
    if (ExitedOrZombie(pid)) {
      ADD_FAILURE() << "process " << pid
                    << " exited before listening: " << (log_path.empty() ? "" : ReadFile(log_path));
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "process " << pid << " listens on no 127.0.0.1 port after " << timeout_ms
                << " ms: " << (log_path.empty() ? "" : ReadFile(log_path));
  return -1;
}

bool WaitFor(const std::function<bool()>& done, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::string log_path)
    : log_path_(std::move(log_path)) {
  // Everything the child needs is built before fork: the test process has threads, and one of
  // them may hold the allocator's lock at fork time.
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  // Closed by the child's exec: until then the child still holds the test's sockets, and
  // WaitForListeningPort would take one of them for the child's own.
  int exec_pipe[2] = {-1, -1};
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) ADD_FAILURE() << "pipe2 failed";
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
    // The test's own sockets (a FaultProxy's listener, client connections) must not live on in
    // the child: they would be read as the child's listening port and keep ports busy.
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    execv(args[0], args.data());
    _exit(127);
  }
  close(exec_pipe[1]);
  char byte;
  while (read(exec_pipe[0], &byte, 1) < 0 && errno == EINTR) {
  }
  close(exec_pipe[0]);
}

ChildProcess::~ChildProcess() { Stop(); }

namespace {
int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}
}  // namespace

void ChildProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  if (WaitForExit(10000) == -1 && pid_ > 0) Kill();
}

int ChildProcess::WaitForExit(int timeout_ms) {
  if (pid_ <= 0) return exit_status_;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_status_ = DecodeWaitStatus(status);
      return WIFEXITED(status) ? exit_status_ : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

void ChildProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_status_ = DecodeWaitStatus(status);
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
  FAIL() << "timed out after " << timeout_ms << " ms waiting for " << url;
}

VmSingle::VmSingle(VmSingleOptions options) : options_(std::move(options)) { Start(); }

VmSingle::~VmSingle() {
  proc_.reset();
  if (reservation_fd_ >= 0) close(reservation_fd_);
}

void VmSingle::Start() {
  std::vector<std::string> argv = {
      "/usr/bin/victoria-metrics",
      "-storageDataPath=" + dir_.path() + "/data",
      // The first start lets VM choose; a restart takes the port back from our reservation.
      "-httpListenAddr=127.0.0.1:" + std::to_string(port_),
      "-retentionPeriod=" + options_.retention,
      "-search.latencyOffset=0s",
      "-search.disableCache",
      "-loggerLevel=ERROR",
  };
  if (!options_.path_prefix.empty()) argv.push_back("-http.pathPrefix=" + options_.path_prefix);
  argv.insert(argv.end(), options_.extra_flags.begin(), options_.extra_flags.end());
  proc_ = std::make_unique<ChildProcess>(argv, dir_.path() + "/vm.log");
  const int port = proc_->WaitForListeningPort();
  ASSERT_GT(port, 0);
  ASSERT_TRUE(port_ == 0 || port_ == port) << "restarted on " << port << " instead of " << port_;
  port_ = port;
  WaitForHttp(url() + "/health");
}

void VmSingle::Stop() {
  proc_.reset();
  KeepPortWhileStopped();
}

void VmSingle::Kill() {
  if (proc_) proc_->Kill();
  proc_.reset();
  KeepPortWhileStopped();
}

void VmSingle::KeepPortWhileStopped() {
  if (reservation_fd_ < 0 && port_ > 0) reservation_fd_ = ReservingSocket(port_);
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

VmAuth::VmAuth(const std::string& config_yaml) {
  const std::string cfg = dir_.path() + "/auth.yml";
  std::ofstream(cfg) << config_yaml;
  proc_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/vmauth", "-httpListenAddr=127.0.0.1:0",
                               "-auth.config=" + cfg, "-loggerLevel=ERROR"},
      dir_.path() + "/vmauth.log");
  port_ = proc_->WaitForListeningPort();
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
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
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

std::string ServerBinary::log() const { return ReadFile(proc_->log_path()); }

}  // namespace vmx::testing
