#include "importer/view_vm_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "common/http_client.h"

namespace vmx::importer {
namespace {

namespace fs = std::filesystem;

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Socket inodes of the descriptors `pid` holds.
std::set<std::string> SocketInodes(pid_t pid) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fmt::format("/proc/{}/fd", pid), ec)) {
    std::error_code lec;
    const std::string target = fs::read_symlink(entry.path(), lec).string();
    if (!lec && target.rfind("socket:[", 0) == 0) out.insert(target.substr(8, target.size() - 9));
  }
  return out;
}

// The last few KiB of the child's log, for an error message.
std::string LogTail(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  if (text.size() > 2000) text = "…" + text.substr(text.size() - 2000);
  return text;
}

}  // namespace

Result<std::string> FindExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (IsExecutableFile(name)) return fs::absolute(name).string();
    return Status::NotFound(fmt::format("-vm.binary={:?} is not an executable file", name));
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (IsExecutableFile(candidate)) return candidate;
  }
  return Status::NotFound(
      fmt::format("cannot find {:?} on PATH", name),
      "install VictoriaMetrics single-node (Debian: apt install victoria-metrics) "
      "or pass its path with -vm.binary");
}

int ListeningPortOf(pid_t pid) {
  const std::set<std::string> inodes = SocketInodes(pid);
  if (inodes.empty()) return 0;
  for (const char* table : {"tcp", "tcp6"}) {
    std::ifstream in(fmt::format("/proc/{}/net/{}", pid, table));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      std::istringstream fields(line);
      std::string sl, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> sl >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode;
      if (state != "0A" || !inodes.contains(inode)) continue;  // 0A: LISTEN
      const size_t colon = local.rfind(':');
      if (colon == std::string::npos) continue;
      return static_cast<int>(std::strtol(local.c_str() + colon + 1, nullptr, 16));
    }
  }
  return 0;
}

Result<std::unique_ptr<ViewVmProcess>> ViewVmProcess::Start(ViewVmOptions options) {
  Result<std::string> binary = FindExecutable(options.binary);
  if (!binary.ok()) return binary.status();
  std::error_code ec;
  fs::create_directories(options.storage_dir, ec);
  if (ec) {
    return Status::Storage(fmt::format("cannot create the storage directory {}: {}",
                                       options.storage_dir, ec.message()));
  }
  std::vector<std::string> args = {
      *binary,
      "-storageDataPath=" + options.storage_dir,
      "-httpListenAddr=127.0.0.1:0",
      // A bundle may be years old; the default 1 month would drop it on arrival.
      "-retentionPeriod=100y",
      // Imported samples are in the past; no need to hide the last 30 s from queries.
      "-search.latencyOffset=0s",
  };
  args.insert(args.end(), options.extra_flags.begin(), options.extra_flags.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const int log_fd =
      ::open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) return Status::Storage(fmt::format("cannot create {}", options.log_path));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return Status::Internal("cannot start victoria-metrics: fork failed");
  }
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // vmimport died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none,
                  nullptr);  // vmimport blocks SIGINT/SIGTERM; the child must not
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    // Nothing of ours may live on in the child: our listening socket would keep the page's port
    // open after vmimport exits, and would be taken for victoria-metrics' port below.
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  std::unique_ptr<ViewVmProcess> vm(new ViewVmProcess(std::move(options)));
  vm->pid_ = pid;

  HttpClientOptions http;
  http.connect_timeout = std::chrono::milliseconds(1000);
  http.total_timeout = std::chrono::milliseconds(2000);
  http.user_agent = "vmimport";
  HttpClient client(http);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int wstatus = 0;
    if (::waitpid(pid, &wstatus, WNOHANG) == pid) {
      vm->pid_ = -1;
      return Status::Unavailable(
          fmt::format("victoria-metrics ({}) exited at start-up ({}); its log:\n{}", *binary,
                      WIFEXITED(wstatus) ? fmt::format("exit code {}", WEXITSTATUS(wstatus))
                                         : fmt::format("signal {}", WTERMSIG(wstatus)),
                      LogTail(vm->options_.log_path)),
          "is the storage directory used by another victoria-metrics? (-keep=DIR)");
    }
    // Asked again each time: until exec completes, /proc shows the sockets fork copied.
    if (const int port = ListeningPortOf(pid); port > 0) {
      const std::string url = fmt::format("http://127.0.0.1:{}", port);
      Result<HttpResponse> health = client.Get(url + "/health");
      if (health.ok() && health->status == 200) {
        spdlog::debug("victoria-metrics pid {} answers on {}", pid, url);
        vm->url_ = url;
        return vm;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Timeout(
      fmt::format("victoria-metrics ({}) did not answer within 60 s; its log:\n{}", *binary,
                  LogTail(vm->options_.log_path)));
}

ViewVmProcess::~ViewVmProcess() { Stop(); }

void ViewVmProcess::Stop(int grace_seconds) {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_seconds);
    bool exited = false;
    while (!exited && std::chrono::steady_clock::now() < deadline) {
      exited = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
      if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!exited) {
      spdlog::warn("victoria-metrics pid {} did not stop within {} s; killing it", pid_,
                   grace_seconds);
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }
  if (options_.remove_storage && !options_.storage_dir.empty()) {
    std::error_code ec;
    fs::remove_all(options_.storage_dir, ec);
    if (ec) spdlog::warn("cannot remove {}: {}", options_.storage_dir, ec.message());
    options_.storage_dir.clear();
  }
}

}  // namespace vmx::importer
