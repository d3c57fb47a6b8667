#include "cli/wizard_command.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "application/export/export_service.h"
#include "application/export/staged_exports.h"
#include "cli/resilience_flags.h"
#include "common/local_server.h"
#include "common/termination_signals.h"
#include "common/vm_flags.h"
#include "server/exporter_api.h"

namespace vmx {

namespace {

// Every command, so `vmexporter -help` is the one place that lists them.
constexpr const char* kUsage =
    "Usage: vmexporter [flags]                      open the export wizard in a browser\n"
    "       vmexporter export [flags]               export without the wizard (-help for its "
    "flags)\n"
    "       vmexporter verify [-mapping=FILE] BUNDLE.zip  check a bundle's checksums, structure "
    "and privacy\n"
    "       vmexporter reveal -mapping=FILE [TEXT]  turn pseudonyms in support's answer back into "
    "names\n"
    "       vmexporter -oneshot -oneshot-config=FILE|- [-export-stdout]  run an ExportConfig once "
    "(scripts)";

}  // namespace

int RunWizardCommand(const std::vector<std::string>& args) {
  CLI::App app{
      "vmexporter collects the internal metrics of a VictoriaMetrics installation into an "
      "obfuscated ZIP bundle for support. Without a command it opens a local web wizard.",
      "vmexporter"};
  std::string addr = "127.0.0.1:0";
  std::string output = std::filesystem::current_path().string();
  std::string vm_url;
  bool no_browser = false;
  bool debug = false;
  app.add_option("--addr", addr,
                 "TCP address for the wizard's web server. The default picks a random free port on "
                 "loopback; a busy port falls back to a free one")
      ->default_str(addr);
  app.add_option("--output", output, "Directory where bundles are written")->default_str(output);
  app.add_option("--vm.url", vm_url,
                 "VictoriaMetrics URL to prefill in the wizard's connection step, e.g. "
                 "http://vmselect:8481/select/0/prometheus");
  app.add_flag("--no-browser", no_browser,
               "Do not open the wizard in a browser; only print its URL");
  app.add_flag("--debug", debug,
               "Log every request and VictoriaMetrics call (secrets are never logged)");
  ResilienceFlags resilience;
  AddResilienceFlags(app, resilience);
  if (auto code = ParseVmFlags(app, args, kUsage)) {
    return *code;
  }
  if (debug) spdlog::set_level(spdlog::level::debug);
  ExportServiceOptions export_options;
  export_options.output_dir = output;
  if (Status s = ApplyResilienceFlags(resilience, &export_options.job); !s.ok()) {
    std::cerr << "error: " << s.ToString() << "\n";
    return 2;
  }
  // Before any thread exists: SIGINT/SIGTERM are taken by WaitForTerminationSignal below.
  BlockTerminationSignals();
  auto service = std::make_shared<ExportService>(export_options);

  LocalServerOptions server_options;
  server_options.app_name = "vmexporter";
  server_options.addr = addr;
  server_options.assets = ExporterAssets();
  server_options.cookie_prefix = "vmx_exporter";
  LocalServer server(server_options);
  RegisterExporterApi(server.http(),
                      {.output_dir = output, .default_vm_url = vm_url, .service = service});
  if (Status s = server.Start(); !s.ok()) {
    std::cerr << "error: " << s.ToString() << "\n";
    return 1;
  }
  std::cout << "vmexporter listening on " << server.url_with_token() << std::endl;
  // A killed or crashed earlier run leaves its completed windows behind; say so once.
  for (const StagedExport& e : ListStagedExports("")) {
    const nlohmann::json sum = StagedExportSummary(e);
    spdlog::info("unfinished export {} in {}: {}/{} windows done; {}", e.job_id, e.dir,
                 sum["completed_batches"].get<size_t>(), sum["total_batches"].get<size_t>(),
                 e.resumable
                     ? "resume it with POST /api/export/resume or `vmexporter export -resume=" +
                           e.job_id + "`"
                     : "not resumable: " + e.reason);
  }
  if (!no_browser) OpenInBrowser(server.url_with_token());
  const int sig = WaitForTerminationSignal();
  spdlog::info("received {}, shutting down", SignalName(sig));
  // A request handler may be waiting for an export (synchronous POST /api/export): canceling
  // every job ends it within about a second, so the server can stop. A second signal, or a
  // shutdown that still hangs, ends the process at once.
  ExitOnSecondSignalOrAfter(std::chrono::milliseconds(1900), 130);
  service->CancelAll();
  server.Stop();
  return 0;
}

}  // namespace vmx
