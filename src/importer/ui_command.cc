#include "importer/ui_command.h"

#include <spdlog/spdlog.h>

#include <iostream>

#include "common/local_server.h"
#include "common/vm_flags.h"
#include "importer/importer_api.h"
#include "importer/view_api.h"

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
  ImporterLimits limits;
  std::string tmp_dir;
  app.add_option("--max-upload-size", limits.max_upload_bytes,
                 "Largest bundle the page accepts, in bytes; the upload is stored in -tmp-dir, never in memory")
      ->default_str(std::to_string(limits.max_upload_bytes));
  app.add_option("--max-decompressed-size", limits.max_decompressed_bytes,
                 "Refuse bundles whose metrics decompress to more bytes than this (ZIP bombs)")
      ->default_str(std::to_string(limits.max_decompressed_bytes));
  app.add_option("--max-decompression-ratio", limits.max_decompression_ratio,
                 "Refuse bundles whose metrics, past their first GiB, decompress at more than this ratio "
                 "(ZIP bombs; real metrics compress about 10:1). 0 turns the check off")
      ->default_str(std::to_string(limits.max_decompression_ratio));
  app.add_option("--max-line-size", limits.max_line_bytes, "Longest accepted line in bytes")
      ->default_str(std::to_string(limits.max_line_bytes));
  app.add_option("--tmp-dir", tmp_dir,
                 "Where uploaded bundles and rejected lines are kept while vmimport runs (removed at exit); "
                 "default: the system temp directory");
  if (auto code = ParseVmFlags(app, args, "Usage: vmimport [flags]\n       vmimport import [flags] BUNDLE")) {
    return *code;
  }
  if (debug) spdlog::set_level(spdlog::level::debug);

  LocalServerOptions server_options;
  server_options.app_name = "vmimport";
  server_options.addr = addr;
  server_options.assets = ImporterAssets();
  server_options.cookie_prefix = "vmx_import";
  // Only the upload streams (to disk, through a ContentReader); every other route keeps the
  // 1 MiB JSON limit.
  server_options.streamed_body_routes = {
      {"/api/upload", static_cast<uint64_t>(limits.max_upload_bytes)}};
  ImportJobs jobs(tmp_dir);
  ViewSession view;  // before the server: its handlers use it until the server is gone
  LocalServer server(server_options);
  RegisterImporterApi(server.http(), jobs, limits);
  // "Open overview" after an import: the overview page queries the import's target.
  RegisterViewApi(server.http(), view);
  RegisterViewOpenApi(server.http(), view, jobs);
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
