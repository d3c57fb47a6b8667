// The flags of `vmexporter export` and their translation into an ExportConfig.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "common/status.h"
#include "domain/export_config.h"

namespace vmx {

// Raw flag values of `vmexporter export`, as typed by the user.
struct ExportFlags {
  std::string url;
  std::string username, password, bearer_token, header;
  bool tls_skip_verify = false;
  std::string tls_ca_file, tls_cert_file, tls_key_file;
  std::string start, end, since;
  std::vector<std::string> jobs, components;
  std::string selector, query;
  bool obfuscate = true;
  bool deep_scrub = true;
  std::vector<std::string> obfuscate_labels, drop_labels, keep_labels;
  std::string obfuscation_key, mapping_out;
  std::string metric_step, batch_window;
  std::string output = ".";
  std::string staging_dir;
  std::string archive_name;
  bool to_stdout = false;
  std::string config_file;       // -config FILE|-
  bool oneshot = false;          // -oneshot (earlier exporter's scripts)
  std::string oneshot_config;    // -oneshot-config FILE
  bool debug = false;
  std::string resume;            // -resume ID: continue an unfinished export of an earlier run
  int parallel = 2;
};

// Declares every `export` flag on `app`, bound to `flags`.
void AddExportFlags(CLI::App& app, ExportFlags& flags);

// The connection's "auth" object from the auth flags given (-username/-password, -bearer-token,
// -header, or their environment variables); an empty object when none was given.
Result<nlohmann::json> AuthJsonFromFlags(const CLI::App& app, const ExportFlags& flags);

// Builds the ExportConfig: the -config/-oneshot-config JSON first (if any), then every flag
// the user actually gave on top of it. `now_ms` anchors relative times. Errors name the flag.
Result<ExportConfig> BuildExportConfig(const CLI::App& app, const ExportFlags& flags,
                                       int64_t now_ms);

}  // namespace vmx
