// Test harness: real VictoriaMetrics processes (Debian's victoria-metrics, vmauth, vmagent) on
// loopback ports they choose themselves (":0", read back from /proc), each in its own temp dir,
// stopped when the owning object is destroyed (and killed by the kernel if the test process dies:
// PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vmx::testing {

// A TCP port on 127.0.0.1 reserved for this test process until it exits: bound with SO_REUSEADDR
// and never listened on, so the kernel hands it to nobody else (bind(0), outgoing connects), a
// connection to it is refused, and a child that binds it with SO_REUSEADDR (Go servers,
// cpp-httplib, node) can still listen on it. Prefer ":0" plus ListeningPort() for children.
int FreePort();

// The loopback TCP port process `pid` listens on, found through its socket inodes in
// /proc/<pid>/fd and /proc/<pid>/net/tcp; waits up to timeout_ms for it to appear. Returns -1
// (and fails the test, quoting `log_path` when given) if the process exits or never listens.
int ListeningPort(pid_t pid, int timeout_ms = 30000, const std::string& log_path = "");

// A child process with its output in `log_path`; SIGTERM (then SIGKILL) on Stop/destruction.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  void Stop();
  // SIGKILL without waiting for a graceful shutdown (simulates a crash).
  void Kill();
  bool running() const { return pid_ > 0; }
  // The process id while running (for /proc/<pid>/status in load checks), else -1.
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // The port this child listens on (see ListeningPort); -1 and a test failure if it never does.
  int WaitForListeningPort(int timeout_ms = 30000) const {
    return ListeningPort(pid_, timeout_ms, log_path_);
  }
  // Waits for the child to exit by itself; its exit code, or -1 on a signal or after timeout_ms.
  int WaitForExit(int timeout_ms);
  // How the last WaitForExit/Stop saw the child end: its exit code, 128+signal, or -1 unknown.
  int exit_status() const { return exit_status_; }

 private:
  pid_t pid_ = -1;
  int exit_status_ = -1;
  std::string log_path_;
};

// A fresh temp directory removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct VmSingleOptions {
  std::string path_prefix;          // -http.pathPrefix, e.g. "/select/0"
  std::string retention = "100y";   // -retentionPeriod
  std::vector<std::string> extra_flags;
};

// One victoria-metrics single node. Queries see data immediately after Import()
// (-search.latencyOffset=0s, caches off, force_flush after import).
class VmSingle {
 public:
  explicit VmSingle(VmSingleOptions options = {});
  ~VmSingle();
  // Base URL including the path prefix, e.g. "http://127.0.0.1:41234/select/0".
  std::string url() const;
  // URL without the path prefix.
  std::string root_url() const;
  int port() const { return port_; }
  // POSTs JSON lines to /api/v1/import and makes them searchable; fails the test on error.
  void Import(const std::string& jsonl);
  // GET url()+path_and_query; returns the body; fails the test on a non-200 answer.
  std::string Get(const std::string& path_and_query) const;
  // Stops the process, keeping its data and its port (reserved meanwhile, so a connection is
  // refused and nobody else takes it); Start() brings it back on the same port.
  void Stop();
  void Kill();
  void Start();
  // The process while running (nullptr when stopped).
  ChildProcess* process() { return proc_.get(); }

 private:
  void KeepPortWhileStopped();

  VmSingleOptions options_;
  TempDir dir_;
  int port_ = 0;  // 0 until the first start has chosen one
  int reservation_fd_ = -1;
  std::unique_ptr<ChildProcess> proc_;
};

// One vmauth with the given YAML config (write "{{PORT:<n>}}"-free YAML; URLs are literal).
class VmAuth {
 public:
  explicit VmAuth(const std::string& config_yaml);
  ~VmAuth();
  std::string url() const;
  int port() const { return port_; }

 private:
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> proc_;
};

// Blocks until GET url answers any HTTP status below 500, or fails the test after timeout_ms.
void WaitForHttp(const std::string& url, int timeout_ms = 30000);

// Polls `done` every 20 ms until it returns true or timeout_ms passes; returns its last answer.
// Tests wait for a condition this way instead of sleeping and hoping.
bool WaitFor(const std::function<bool()>& done, int timeout_ms = 30000);

// A minimal HTTP call for tests: returns {status, body}. method is "GET" or "POST".
struct HttpAnswer {
  int status = 0;
  std::string body;
};
HttpAnswer HttpCall(const std::string& method, const std::string& url, const std::string& body = "",
                    const std::string& content_type = "", const std::string& basic_user = "",
                    const std::string& basic_pass = "",
                    const std::vector<std::pair<std::string, std::string>>& headers = {});

// vmauth config of a managed gateway for tenant 1011, user "m" / password "p": queries, series
// and labels under /1011/rw/prometheus go to `rw`, everything under /1011/prometheus to `plain`;
// /1011/rw/... has no export route, like the managed offering.
std::string ManagedGatewayConfig(const VmSingle& rw, const VmSingle& plain);

// A shell command line's exit code (-1 when killed by a signal), stdout and stderr; the child
// runs with ASAN_OPTIONS=detect_leaks=0 (our binaries exit without freeing on purpose).
struct CommandRun {
  int code = -1;
  std::string out;
  std::string err;
};
CommandRun RunCommand(const std::string& command_line);

// Paths of the built binaries.
std::string VmexporterBinary();
std::string VmimportBinary();

}  // namespace vmx::testing

namespace vmx::testing {

// One of our binaries running its web server (`-no-browser` is added); the URL is read from its
// "listening on" line.
class ServerBinary {
 public:
  ServerBinary(const std::string& binary, std::vector<std::string> args);
  // The printed URL, e.g. "http://127.0.0.1:40123/" (may carry a query such as ?token=…).
  const std::string& printed_url() const { return url_; }
  // scheme://host:port without path or query.
  std::string base() const;
  // The session token from the printed URL (?token=…).
  std::string token() const;
  // Calls our API with the session token: Api("POST", "/api/validate", json_body).
  HttpAnswer Api(const std::string& method, const std::string& path, const std::string& body = "") const;
  ChildProcess& process() { return *proc_; }
  std::string log() const;

 private:
  TempDir dir_;
  std::unique_ptr<ChildProcess> proc_;
  std::string url_;
};

}  // namespace vmx::testing
