// ViewVmProcess: the private victoria-metrics that `vmimport view` runs for one session.
//
// It listens on 127.0.0.1 on a port the kernel picks (-httpListenAddr=127.0.0.1:0), keeps its
// data in a directory of ours and a retention long enough for any bundle. The child gets its own
// process group (a terminal's Ctrl-C reaches vmimport, which then stops it in order) and dies
// with vmimport if vmimport is killed. Not thread-safe; Stop() is also called by the destructor.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace vmx::importer {

struct ViewVmOptions {
  std::string binary = "victoria-metrics";  // a name looked up on PATH, or a path
  std::string storage_dir;                  // -storageDataPath; created when missing
  std::string log_path;                     // the child's stdout and stderr
  bool remove_storage = true;               // Stop() deletes storage_dir
  std::vector<std::string> extra_flags;
};

class ViewVmProcess {
 public:
  // Starts the binary and waits until it answers /health; the error says why it did not.
  // Call from the thread that lives longest (the main thread): the child is killed when the
  // thread that started it ends.
  static Result<std::unique_ptr<ViewVmProcess>> Start(ViewVmOptions options);
  ~ViewVmProcess();
  ViewVmProcess(const ViewVmProcess&) = delete;
  ViewVmProcess& operator=(const ViewVmProcess&) = delete;

  // "http://127.0.0.1:<port>".
  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }

  // SIGTERM, then SIGKILL after `grace_seconds`; removes the storage unless told to keep it.
  void Stop(int grace_seconds = 20);

 private:
  explicit ViewVmProcess(ViewVmOptions options) : options_(std::move(options)) {}

  ViewVmOptions options_;
  pid_t pid_ = -1;
  std::string url_;
};

// The absolute path of `name` (searched on PATH unless it contains '/'), or kNotFound.
Result<std::string> FindExecutable(const std::string& name);

// The TCP port `pid` listens on, from /proc (0 when none yet). Used because victoria-metrics
// logs the address it was given ("127.0.0.1:0"), not the port it got.
int ListeningPortOf(pid_t pid);

}  // namespace vmx::importer
