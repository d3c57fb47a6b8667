#include "importer/ui_command.h"

#include <spdlog/spdlog.h>

#include <iostream>

#include "common/local_server.h"
#include "common/vm_flags.h"
#include "importer/importer_api.h"

namespace vmx::importer {

int RunUiCommand(const std::vector<std::string>& args) {
  CLI::App app{"vmimport streams a vmexporter bundle (.zip, .jsonl, .jsonl.gz) into a "
               "VictoriaMetrics through /api/v1/import. Without a command it opens a local web page.",
               "vmimport"};
  std::string addr = "127.0.0.1:0";
  bool no_browser = false;
  bool debug = false;
  app.add_option("--addr", addr,
                 "TCP address for the importer's web server. The default picks a random free port "
                 "on loopback; a busy port falls back to a free one")
      ->default_str(addr);
  app.add_flag("--no-browser", no_browser, "Do not open the page in a browser; only print its URL");
  app.add_flag("--debug", debug, "Verbose logging (secrets are never logged)");
  if (auto code = ParseVmFlags(app, args, "Usage: vmimport [flags]\n       vmimport import [flags] BUNDLE")) {
    return *code;
  }
  if (debug) spdlog::set_level(spdlog::level::debug);

  LocalServerOptions server_options;
  server_options.app_name = "vmimport";
  server_options.addr = addr;
  server_options.assets = ImporterAssets();
  LocalServer server(server_options);
  RegisterImporterApi(server.http());
  if (Status s = server.Start(); !s.ok()) {
    std::cerr << "error: " << s.ToString() << "\n";
    return 1;
  }
  std::cout << "vmimport listening on " << server.url_with_token() << std::endl;
  if (!no_browser) OpenInBrowser(server.url_with_token());
  server.WaitForShutdown();
  return 0;
}

}  // namespace vmx::importer
