#include "cli/export_flags.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <iterator>

#include "common/duration.h"

namespace vmx {
namespace {

bool Given(const CLI::App& app, const char* name) {
  const CLI::Option* opt = app.get_option_no_throw(name);
  return opt != nullptr && opt->count() > 0;
}

Result<std::string> ReadConfigText(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument(fmt::format("-config: cannot read {:?}", path));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Result<int64_t> SecondsFlag(const char* flag, const std::string& text) {
  Result<int64_t> ms = ParseDurationMillis(text);
  if (!ms.ok()) return ms.status().Wrap(std::string("-") + flag);
  if (*ms <= 0) return Status::InvalidArgument(fmt::format("-{} must be positive", flag));
  return (*ms + 999) / 1000;
}

// "Name: value" -> name, value.
Status SplitHeader(const std::string& text, std::string* name, std::string* value) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0) {
    return Status::InvalidArgument("-header must look like 'Name: value'");
  }
  *name = text.substr(0, colon);
  size_t v = colon + 1;
  while (v < text.size() && text[v] == ' ') ++v;
  *value = text.substr(v);
  return Status::Ok();
}

}  // namespace

void AddExportFlags(CLI::App& app, ExportFlags& f) {
  app.add_option("--url", f.url,
                 "VictoriaMetrics URL in any form: single node http://host:8428, cluster "
                 "http://vmselect:8481/select/0/prometheus, vmauth or a managed gateway. "
                 "user:pass@ in the URL becomes basic auth");
  app.add_option("--username", f.username, "Basic auth user name");
  app.add_option("--password", f.password, "Basic auth password")->envname("VMEXPORTER_PASSWORD");
  app.add_option("--bearer-token", f.bearer_token, "Bearer token sent as Authorization header")
      ->envname("VMEXPORTER_BEARER_TOKEN");
  app.add_option("--header", f.header,
                 "One custom auth header as 'Name: value', e.g. 'X-Scope-OrgID: 42'")
      ->envname("VMEXPORTER_HEADER");
  app.add_flag("--tls-insecure-skip-verify", f.tls_skip_verify,
               "Do not verify the server's TLS certificate (only for self-signed test setups)");
  app.add_option("--tls-ca-file", f.tls_ca_file,
                 "PEM file with the CA that signed the server's certificate");
  app.add_option("--tls-cert-file", f.tls_cert_file, "PEM client certificate for mutual TLS");
  app.add_option("--tls-key-file", f.tls_key_file, "PEM key of -tls-cert-file");
  app.add_option("--start", f.start,
                 "Start of the range: RFC 3339, Unix seconds, or relative such as -24h");
  app.add_option("--end", f.end, "End of the range (exclusive); same forms as -start, default now");
  app.add_option("--since", f.since, "Shortcut for -start=-DURATION -end=now, e.g. 24h");
  app.add_option(
         "--jobs", f.jobs,
         "Comma-separated job names to export (default: all discovered VictoriaMetrics jobs)")
      ->delimiter(',');
  app.add_option("--components", f.components,
                 "Comma-separated components to export: "
                 "vmstorage,vminsert,vmselect,vmagent,vmalert,vmauth,vmsingle")
      ->delimiter(',');
  app.add_option("--selector", f.selector,
                 "Export the series matching this selector instead, e.g. '{job=\"vmagent\"}'");
  app.add_option("--query", f.query,
                 "Export the result of this MetricsQL query (via query_range) instead");
  app.add_flag("--obfuscate", f.obfuscate,
               "Replace IPs, host names, job names and tenants with pseudonyms; -obfuscate=false "
               "sends originals")
      ->default_str("true");
  app.add_flag("--deep-scrub", f.deep_scrub,
               "Also hide addresses, URLs and emails found inside any other label value")
      ->default_str("true");
  app.add_option(
         "--obfuscate-labels", f.obfuscate_labels,
         "Comma-separated extra labels whose values become <label>-<n>, e.g. pod,node,namespace")
      ->delimiter(',');
  app.add_option(
         "--keep-labels", f.keep_labels,
         "Comma-separated identity labels to export unchanged although they are pseudonymised by "
         "default "
         "(cluster, namespace, pod, node, host, username, accountID…; see README 'Privacy')")
      ->delimiter(',');
  app.add_option("--drop-labels", f.drop_labels,
                 "Comma-separated labels removed from every series (never __name__)")
      ->delimiter(',');
  app.add_option("--obfuscation-key", f.obfuscation_key,
                 "Secret that makes pseudonyms stable across runs; without it they are stable "
                 "within one run")
      ->envname("VMEXPORTER_OBFUSCATION_KEY");
  app.add_option("--mapping-out", f.mapping_out,
                 "Write the original->pseudonym mapping to this file (mode 0600) to read support's "
                 "answer later; never part of the bundle");
  app.add_option(
      "--metric-step", f.metric_step,
      "Keep one sample per series per step (the last one), e.g. 30s; default keeps raw samples");
  app.add_option("--batch-window", f.batch_window,
                 "Fetch the range in windows of this size, e.g. 1h; default picks a size from the "
                 "range and series count");
  app.add_option("--parallel", f.parallel, "How many windows are fetched at once")
      ->default_str("2");
  app.add_option("--output", f.output, "Directory for the bundle")->default_str(".");
  app.add_option("--resume", f.resume,
                 "Continue the unfinished export ID that an earlier, killed run left in "
                 "-staging-dir (give the same "
                 "credentials and -obfuscation-key again); an unknown ID lists the resumable ones");
  app.add_option(
      "--staging-dir", f.staging_dir,
      "Directory for completed windows while the export runs (default: "
      "$XDG_RUNTIME_DIR/vmexporter, else <temp dir>/vmexporter-<uid>; private to this user)");
  app.add_option("--archive-name", f.archive_name,
                 "File name of the bundle (default vmexport_<id>_<time>.zip)");
  app.add_flag(
      "--stdout", f.to_stdout,
      "Write the obfuscated JSON lines to stdout instead of a bundle; nothing else goes to stdout");
  app.add_flag("--export-stdout", f.to_stdout,
               "Same as -stdout (for scripts written for the earlier exporter)");
  app.add_option(
      "--config", f.config_file,
      "Read an ExportConfig JSON from FILE or - (stdin); flags given beside it override it");
  app.add_flag("--oneshot", f.oneshot,
               "Compatibility with the earlier exporter: run once with -oneshot-config");
  app.add_option("--oneshot-config", f.oneshot_config, "ExportConfig JSON file for -oneshot");
  app.add_flag("--debug", f.debug,
               "Verbose progress and request logging (secrets are never logged)");
}

Result<nlohmann::json> AuthJsonFromFlags(const CLI::App& app, const ExportFlags& f) {
  nlohmann::json auth = nlohmann::json::object();
  if (Given(app, "--username") || Given(app, "--password")) {
    auth = {{"type", "basic"}, {"username", f.username}, {"password", f.password}};
  }
  if (Given(app, "--bearer-token")) auth = {{"type", "bearer"}, {"token", f.bearer_token}};
  if (Given(app, "--header")) {
    std::string name, value;
    if (Status s = SplitHeader(f.header, &name, &value); !s.ok()) return s;
    auth = {{"type", "header"}, {"header_name", name}, {"header_value", value}};
  }
  return auth;
}

Result<ExportConfig> BuildExportConfig(const CLI::App& app, const ExportFlags& f, int64_t now_ms) {
  nlohmann::json j = nlohmann::json::object();
  const std::string config_path = !f.config_file.empty() ? f.config_file : f.oneshot_config;
  if (f.oneshot && f.oneshot_config.empty()) {
    return Status::InvalidArgument("-oneshot needs -oneshot-config=FILE");
  }
  if (!config_path.empty()) {
    Result<std::string> text = ReadConfigText(config_path);
    if (!text.ok()) return text.status();
    j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return Status::InvalidArgument(fmt::format("-config {:?} is not a JSON object", config_path));
    }
  }
  // Flags override the file: write them into the JSON, then validate the whole thing once.
  if (Given(app, "--url")) j["connection"]["url"] = f.url;
  auto& auth = j["connection"]["auth"];
  if (!auth.is_object()) auth = nlohmann::json::object();
  Result<nlohmann::json> flag_auth = AuthJsonFromFlags(app, f);
  if (!flag_auth.ok()) return flag_auth.status();
  if (!flag_auth->empty()) auth = *flag_auth;
  if (auth.empty()) j["connection"].erase("auth");
  if (Given(app, "--tls-insecure-skip-verify"))
    j["connection"]["skip_tls_verify"] = f.tls_skip_verify;
  if (Given(app, "--tls-ca-file")) j["connection"]["tls_ca_file"] = f.tls_ca_file;
  if (Given(app, "--tls-cert-file")) j["connection"]["tls_cert_file"] = f.tls_cert_file;
  if (Given(app, "--tls-key-file")) j["connection"]["tls_key_file"] = f.tls_key_file;
  if (!j.contains("connection") || !j["connection"].contains("url")) {
    return Status::InvalidArgument("-url is required",
                                   "e.g. -url=http://vmselect:8481/select/0/prometheus");
  }

  // Time range: -since, or -start/-end; defaults: the last hour.
  if (Given(app, "--since") && Given(app, "--start")) {
    return Status::InvalidArgument("-since and -start cannot be used together");
  }
  if (Given(app, "--since") || Given(app, "--start") || Given(app, "--end") ||
      !j.contains("time_range")) {
    int64_t start = now_ms - 3'600'000;
    int64_t end = now_ms;
    if (Given(app, "--since")) {
      Result<int64_t> d = ParseDurationMillis(f.since);
      if (!d.ok()) return d.status().Wrap("-since");
      start = now_ms - std::abs(*d);
    }
    if (Given(app, "--end")) {
      Result<int64_t> e = ParseTimeArg(f.end, now_ms);
      if (!e.ok()) return e.status().Wrap("-end");
      end = *e;
    }
    if (Given(app, "--start")) {
      Result<int64_t> s = ParseTimeArg(f.start, now_ms);
      if (!s.ok()) return s.status().Wrap("-start");
      start = *s;
    }
    if (end <= start) return Status::InvalidArgument("-end must be after -start");
    j["time_range"] = TimeRangeToJson({start, end});
  }

  if (Given(app, "--selector") && Given(app, "--query")) {
    return Status::InvalidArgument("-selector and -query cannot be used together");
  }
  if (Given(app, "--selector")) {
    j["mode"] = "custom";
    j["query_type"] = "selector";
    j["query"] = f.selector;
  }
  if (Given(app, "--query")) {
    j["mode"] = "custom";
    j["query_type"] = "metricsql";
    j["query"] = f.query;
  }
  if (Given(app, "--jobs")) {
    j["jobs"] = f.jobs;
    if (!j.contains("mode")) j["mode"] = "cluster";
  }
  if (Given(app, "--components")) j["components"] = f.components;

  auto& ob = j["obfuscation"];
  if (!ob.is_object()) ob = nlohmann::json::object();
  if (!ob.contains("enabled") || Given(app, "--obfuscate")) ob["enabled"] = f.obfuscate;
  if (Given(app, "--deep-scrub")) ob["deep_scrub"] = f.deep_scrub;
  if (Given(app, "--obfuscate-labels")) ob["custom_labels"] = f.obfuscate_labels;
  if (Given(app, "--drop-labels")) ob["drop_labels"] = f.drop_labels;
  if (Given(app, "--keep-labels")) ob["keep_labels"] = f.keep_labels;
  if (Given(app, "--obfuscation-key")) ob["key"] = f.obfuscation_key;

  if (Given(app, "--metric-step")) {
    Result<int64_t> step = SecondsFlag("metric-step", f.metric_step);
    if (!step.ok()) return step.status();
    j["metric_step_seconds"] = *step;
  }
  if (Given(app, "--batch-window")) {
    Result<int64_t> w = SecondsFlag("batch-window", f.batch_window);
    if (!w.ok()) return w.status();
    j["batching"] = {{"enabled", true}, {"strategy", "custom"}, {"custom_interval_seconds", *w}};
  }
  if (Given(app, "--staging-dir")) j["staging_dir"] = f.staging_dir;
  if (Given(app, "--archive-name")) j["output_settings"]["archive_name"] = f.archive_name;

  return ExportConfigFromJson(j);
}

}  // namespace vmx
