#include "importer/view_command.h"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "common/embedded_assets.h"
#include "common/local_server.h"
#include "common/vm_flags.h"
#include "importer/import_pipeline.h"
#include "importer/import_target.h"
#include "importer/view_api.h"
#include "importer/view_progress.h"
#include "importer/view_vm_process.h"

namespace vmx::importer {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage =
    "Usage: vmimport view [flags] BUNDLE (.zip, .jsonl or .jsonl.gz)\n"
    "       vmimport view -url=http://victoria-metrics:8428 [BUNDLE]";
// Written into a -keep directory after a complete import, so the next run skips the import.
constexpr const char* kKeepMarker = "vmimport-view.json";

// Identifies a bundle file for the -keep marker: name and size are enough to tell "the same
// bundle as last time" from "another bundle" in one support engineer's directory.
nlohmann::json BundleIdentity(const std::string& path) {
  std::error_code ec;
  return {{"name", fs::path(path).filename().string()}, {"size", fs::file_size(path, ec)}};
}

// The import recorded in `dir` by an earlier run for the same bundle, or null.
nlohmann::json KeptImport(const std::string& dir, const std::string& bundle) {
  std::ifstream in(fs::path(dir) / kKeepMarker);
  if (!in) return nullptr;
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || j.value("bundle", nlohmann::json()) != BundleIdentity(bundle))
    return nullptr;
  return j.value("import", nlohmann::json());
}

void WriteKeptImport(const std::string& dir, const std::string& bundle,
                     const nlohmann::json& report) {
  const fs::path tmp = fs::path(dir) / (std::string(kKeepMarker) + ".tmp");
  {
    std::ofstream out(tmp);
    out << nlohmann::json{{"bundle", BundleIdentity(bundle)}, {"import", report}}.dump(2);
  }
  std::error_code ec;
  fs::rename(tmp, fs::path(dir) / kKeepMarker, ec);
}

// Runs `pipeline` with a progress bar on stderr; fills `report`.
Status ImportWithProgressBar(ImportPipeline& pipeline, ImportReport* report) {
  const bool tty = ::isatty(2) != 0;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread bar([&] {
    std::unique_lock lock(mu);
    const auto period = tty ? std::chrono::milliseconds(200) : std::chrono::milliseconds(2000);
    while (!cv.wait_for(lock, period, [&] { return done; })) {
      std::cerr << (tty ? "\r" : "") << ProgressBarLine(pipeline.progress()) << (tty ? "" : "\n")
                << std::flush;
    }
    std::cerr << (tty ? "\r" : "") << ProgressBarLine(pipeline.progress()) << "\n";
  });
  ResumeState resume;
  const Status s = pipeline.Run(&resume, report);
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  bar.join();
  return s;
}

}  // namespace

int RunViewCommand(const std::vector<std::string>& args) {
  CLI::App app{
      "Starts a private victoria-metrics, imports the bundle into it (verified, like vmimport "
      "import) and serves an overview: metadata, health panels per component, findings and a "
      "MetricsQL box. Ctrl-C stops that victoria-metrics and removes its data.",
      "vmimport view"};
  std::string bundle;
  std::string url;
  std::string tenant;
  std::string keep;
  std::string vm_binary = "victoria-metrics";
  std::string addr = "127.0.0.1:0";
  bool no_browser = false;
  bool debug = false;
  app.add_option(
         "--vm.binary", vm_binary,
         "victoria-metrics single-node executable to run (a name looked up on PATH, or a path)")
      ->default_str(vm_binary);
  app.add_option(
      "--url", url,
      "View a VictoriaMetrics that already holds the data instead of starting one; nothing is "
      "imported. A BUNDLE given too only supplies the metadata");
  app.add_option("--tenant", tenant, "With -url on a cluster: the accountID[:projectID] to read");
  app.add_option(
      "--keep", keep,
      "Keep the private victoria-metrics' data in this directory after exit; a later "
      "`vmimport view -keep=DIR` of the same bundle starts at once without importing again");
  app.add_option(
         "--addr", addr,
         "TCP address for the overview's web server (loopback, random free port by default)")
      ->default_str(addr);
  app.add_flag("--no-browser", no_browser,
               "Do not open the overview in a browser; only print its URL");
  app.add_flag("--debug", debug, "Verbose logging (secrets are never logged)");
  app.add_option("bundle", bundle, "The bundle: .zip from vmexporter, .jsonl or .jsonl.gz");
  if (auto code = ParseVmFlags(app, args, kUsage)) return *code;
  if (debug) spdlog::set_level(spdlog::level::debug);
  if (bundle.empty() && url.empty()) {
    std::cerr
        << "error: give a BUNDLE to import, or -url of a VictoriaMetrics that holds the data\n"
        << kUsage << "\n";
    return 2;
  }
  if (!url.empty() && !keep.empty()) {
    std::cerr << "error: -keep applies to the private victoria-metrics; with -url there is none\n";
    return 2;
  }
  if (!bundle.empty() && !fs::is_regular_file(bundle)) {
    std::cerr << "error: cannot read the bundle " << bundle << ": no such file\n";
    return 2;
  }

  // The server starts first: it blocks SIGINT/SIGTERM in this thread and so in every thread
  // started later; WaitForShutdown below takes them, during the import too.
  // A shell starts background jobs with SIGINT ignored, and an ignored signal never becomes
  // pending for WaitForShutdown: Ctrl-C and kill -INT must always stop victoria-metrics too.
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  LocalServerOptions server_options;
  server_options.app_name = "vmimport";
  server_options.addr = addr;
  server_options.assets = ImporterAssets();
  server_options.cookie_prefix = "vmx_import";
  ViewSession session;  // before the server: its handlers use it until the server is gone
  LocalServer server(server_options);
  RegisterViewApi(server.http(), session);
  if (Status s = server.Start(); !s.ok()) {
    std::cerr << "error: " << s.ToString() << "\n";
    return 1;
  }
  nlohmann::json info = {
      {"bundle", bundle.empty() ? nlohmann::json(nullptr)
                                : nlohmann::json(fs::path(bundle).filename().string())},
      {"metadata", bundle.empty() ? nlohmann::json(nullptr) : ReadBundleMetadata(bundle)}};
  std::unique_ptr<ViewVmProcess> vm;
  std::string work_dir;
  const nlohmann::json kept = keep.empty() ? nlohmann::json(nullptr) : KeptImport(keep, bundle);
  auto cleanup = [&] {
    if (vm) {
      const pid_t pid = vm->pid();
      vm->Stop();
      std::cerr << fmt::format(
          "stopped victoria-metrics (pid {}){}\n", pid,
          keep.empty() ? " and removed its data" : "; its data stays in " + keep);
      vm.reset();
    }
    if (!work_dir.empty()) {
      std::error_code ec;
      fs::remove_all(work_dir, ec);
    }
  };

  if (!url.empty()) {
    Result<ImportTarget> target = ResolveImportTarget(url, tenant);
    if (!target.ok()) {
      std::cerr << "error: " << target.status().ToString() << "\n";
      return 2;
    }
    HttpClientOptions http;
    http.basic_user = target->url_user;
    http.basic_password = target->url_password;
    session.SetTarget(target->read_base, http);
    info["target"] = RedactUrl(target->read_base);
    info["private"] = false;
    if (info["metadata"].is_object() && info["metadata"].contains("time_range")) {
      info["time_range"] = nullptr;  // the page takes the metadata's range
    }
  } else {
    std::string tmpl = (fs::temp_directory_path() / "vmimport-view-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::cerr << "error: cannot create a temp directory under "
                << fs::temp_directory_path().string() << "\n";
      return 1;
    }
    work_dir = tmpl;
    ViewVmOptions vm_options;
    vm_options.binary = vm_binary;
    vm_options.storage_dir = keep.empty() ? work_dir + "/data" : keep;
    vm_options.log_path = work_dir + "/victoria-metrics.log";
    vm_options.remove_storage = keep.empty();
    std::cerr << "starting victoria-metrics with its data in " << vm_options.storage_dir << "\n";
    Result<std::unique_ptr<ViewVmProcess>> started = ViewVmProcess::Start(vm_options);
    if (!started.ok()) {
      std::cerr << "error: " << started.status().ToString() << "\n";
      cleanup();
      return 1;
    }
    vm = std::move(*started);
    std::cerr << fmt::format("victoria-metrics (pid {}) listens on {}\n", vm->pid(), vm->url());
    info["target"] = vm->url();
    info["private"] = true;
    if (!keep.empty()) info["kept_in"] = fs::absolute(keep).string();
    session.SetTarget(vm->url(), {});

    if (!kept.is_null()) {
      std::cerr << "the data of " << bundle << " is already in " << keep
                << "; not importing again\n";
      info["import"] = kept;
      info["time_range"] = ImportedRange(kept);
    }
  }

  // The import (when there is one) and the announcement run on a worker so that this thread can
  // wait for Ctrl-C all along; a failed import stops the server, which ends the wait.
  const bool import_needed = vm != nullptr && kept.is_null();
  std::mutex pipeline_mu;
  ImportPipeline* running = nullptr;
  bool stopping = false;
  std::atomic<int> exit_code{0};
  std::thread worker([&] {
    if (import_needed) {
      ImportOptions o;
      o.url = vm->url();
      o.rejects_path = work_dir + "/rejects.jsonl";
      ImportPipeline pipeline(bundle, o);
      {
        std::lock_guard lock(pipeline_mu);
        if (stopping) return;
        running = &pipeline;
      }
      session.Update({{"state", "importing"}});
      session.SetProgressSource([&pipeline] { return pipeline.progress().ToJson(); });
      ImportReport report;
      const Status s = ImportWithProgressBar(pipeline, &report);
      session.SetProgressSource(nullptr);
      {
        std::lock_guard lock(pipeline_mu);
        running = nullptr;
      }
      std::cout << report.ToText() << std::flush;
      if (!s.ok()) {
        if (s.code() != StatusCode::kCanceled) std::cerr << "error: " << s.ToString() << "\n";
        exit_code = 1;
        server.Stop();
        return;
      }
      info["import"] = report.ToJson();
      info["time_range"] = ImportedRange(info["import"]);
      if (!keep.empty()) WriteKeptImport(keep, bundle, info["import"]);
    }
    info["state"] = "ready";
    session.Update(info);
    const std::string page = server.url() + "overview.html?token=" + server.token();
    std::cout << "vmimport view: the overview is listening on " << page << "\nPress Ctrl-C to stop"
              << (vm && keep.empty() ? " (this removes the imported data)" : "") << std::endl;
    if (!no_browser) OpenInBrowser(page);
  });
  server.WaitForShutdown();
  {
    std::lock_guard lock(pipeline_mu);
    stopping = true;
    if (running) running->Cancel();
  }
  worker.join();
  cleanup();
  return exit_code.load();
}

}  // namespace vmx::importer
