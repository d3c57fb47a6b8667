#include "application/export/staged_exports.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "application/export/export_job.h"
#include "application/export/staging_area.h"
#include "application/export/staging_journal.h"
#include "application/export/staging_lock.h"
#include "infrastructure/archive/sha256_stream.h"
#include "infrastructure/vm/url_normalizer.h"

namespace fs = std::filesystem;

namespace vmx {
namespace {

void JudgeResumable(StagedExport& e) {
  const nlohmann::json& m = e.manifest;
  e.in_use = StagingInUse(e.dir);
  if (e.in_use) {
    e.reason = "it is running in another vmexporter process (or in this one)";
  } else if (!m.contains("config") || !m["config"].is_object() || !m.contains("windows")) {
    e.reason = "written by an older vmexporter that did not record its settings";
  } else if (m.value("obfuscated", false) && !m.value("keyed", false)) {
    e.reason =
        "pseudonyms were random (no obfuscation key), so new windows would not match the "
        "completed ones; start the export again, with -obfuscation-key to make it resumable";
  } else {
    e.resumable = true;
  }
}

}  // namespace

std::vector<StagedExport> ListStagedExports(const std::string& root) {
  std::vector<StagedExport> found;
  std::error_code ec;
  const fs::path base = root.empty() ? fs::path(DefaultStagingRoot()) : fs::path(root);
  for (fs::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid())
      continue;
    Result<nlohmann::json> manifest = StagingJournal::Load(it->path().string());
    if (!manifest.ok()) continue;
    StagedExport e;
    e.manifest = std::move(*manifest);
    e.job_id = it->path().filename().string();
    e.dir = it->path().string();
    JudgeResumable(e);
    found.push_back(std::move(e));
  }
  std::sort(found.begin(), found.end(), [](const StagedExport& a, const StagedExport& b) {
    return a.manifest.value("created_ms", int64_t{0}) < b.manifest.value("created_ms", int64_t{0});
  });
  return found;
}

Result<StagedExport> FindStagedExport(const std::string& root, const std::string& job_id) {
  std::vector<std::string> ids;
  for (StagedExport& e : ListStagedExports(root)) {
    if (e.job_id == job_id) return std::move(e);
    ids.push_back(e.job_id);
  }
  const std::string where = root.empty() ? DefaultStagingRoot() : root;
  return Status::NotFound(
      fmt::format("no unfinished export {:?} in the staging dir {}", job_id, where),
      ids.empty() ? "there is nothing to resume there; start a new export"
                  : fmt::format("unfinished exports there: {}", fmt::join(ids, ", ")));
}

nlohmann::json StagedExportSummary(const StagedExport& e) {
  const nlohmann::json& m = e.manifest;
  size_t done = 0, total = 0;
  uint64_t samples = 0;
  for (const nlohmann::json& w : m.value("windows", nlohmann::json::array())) {
    ++total;
    if (w.value("completed", false)) {
      ++done;
      samples += w.value("samples", uint64_t{0});
    }
  }
  nlohmann::json url = nullptr;
  std::string auth_type = "none";  // what a continuation must be given again
  bool originals_needed = false;   // obfuscated: the URL, jobs and query were not kept
  std::string mode;
  if (m.contains("config") && m["config"].is_object()) {
    const nlohmann::json& config = m["config"];
    const nlohmann::json& conn = config["connection"];
    url = conn.value("url", "");
    if (conn.contains("auth") && conn["auth"].is_object())
      auth_type = conn["auth"].value("type", "none");
    originals_needed = config.value("originals_needed", false);
    mode = config.value("mode", "");
  }
  return {{"job_id", e.job_id},
          {"staging_path", e.dir},
          {"time_range", m.value("time_range", nlohmann::json(nullptr))},
          {"completed_batches", done},
          {"total_batches", total},
          {"samples", samples},
          {"obfuscated", m.value("obfuscated", false)},
          {"keyed", m.value("keyed", false)},
          {"url", url},
          {"auth_type", auth_type},
          {"in_use", e.in_use},
          {"originals_needed", originals_needed},
          {"mode", mode},
          {"resumable", e.resumable},
          {"reason", e.reason}};
}

nlohmann::json StagedConfigJson(const ExportConfig& c) {
  nlohmann::json config = ExportConfigToPublicJson(c);
  config["connection"]["tls_ca_file"] = c.connection.tls.ca_file;
  config["connection"]["tls_cert_file"] = c.connection.tls.cert_file;
  config["connection"]["tls_key_file"] = c.connection.tls.key_file;
  if (c.obfuscation.enabled) {
    nlohmann::json& conn = config["connection"];
    for (const char* k : {"url", "api_base_path", "tenant_id", "full_api_url"}) conn.erase(k);
    conn["auth"].erase("username");
    conn["auth"].erase("header_name");
    for (const char* k : {"jobs", "job_components", "query"}) config.erase(k);
    config["originals_needed"] = true;
  }
  return config;
}

std::string StagedOriginalsCheck(const ExportConfig& c, const std::string& job_id) {
  if (c.obfuscation.key.empty()) return "";
  std::vector<std::string> jobs = c.jobs;
  std::sort(jobs.begin(), jobs.end());
  const std::string text = fmt::format("vmexporter staged originals {}\n{}\n{}\n\n{}", job_id,
                                       c.connection.full_api_url, fmt::join(jobs, "\n"), c.query);
  return HmacSha256Hex(c.obfuscation.key, text).substr(0, 32);
}

Result<ExportConfig> StagedExportConfig(const StagedExport& e, const nlohmann::json& secrets) {
  if (!e.resumable) {
    return Status::Conflict(fmt::format("export {} cannot be resumed: {}", e.job_id, e.reason));
  }
  nlohmann::json config = e.manifest["config"];
  const bool originals_needed = config.value("originals_needed", false);
  if (originals_needed) {
    std::string url = secrets.value("url", "");
    if (url.empty() && secrets.contains("connection") && secrets["connection"].is_object()) {
      url = secrets["connection"].value("url", "");
    }
    if (url.empty()) {
      return Status::InvalidArgument(
          fmt::format(
              "export {} was obfuscated, so its staging dir keeps no URL, job names or query: give "
              "them again",
              e.job_id),
          fmt::format("vmexporter export -resume={} -url=URL plus -jobs, -selector or -query as at "
                      "the start "
                      "(or url, jobs, query in the resume request)",
                      e.job_id));
    }
    config["connection"]["url"] = url;
    if (secrets.contains("jobs") && secrets["jobs"].is_array()) config["jobs"] = secrets["jobs"];
    if (secrets.contains("query") && secrets["query"].is_string())
      config["query"] = secrets["query"];
    config.erase("originals_needed");
  }
  // What is given again wins; what is not (e.g. the user name, when only the password is passed
  // again) comes from the manifest.
  if (secrets.contains("auth") && secrets["auth"].is_object()) {
    nlohmann::json& auth = config["connection"]["auth"];
    if (!auth.is_object()) auth = nlohmann::json::object();
    for (const auto& [field, value] : secrets["auth"].items()) {
      if (!(value.is_string() && value.get<std::string>().empty())) auth[field] = value;
    }
  }
  config["obfuscation"].erase("keyed");
  if (secrets.contains("obfuscation_key") && secrets["obfuscation_key"].is_string()) {
    config["obfuscation"]["key"] = secrets["obfuscation_key"];
  }
  // The staging dir is where the export lives now, whatever it was called when it started.
  config["staging_dir"] = fs::path(e.dir).parent_path().string();
  Result<ExportConfig> c = ExportConfigFromJson(config);
  if (!c.ok()) return c.status().Wrap(fmt::format("cannot resume export {}", e.job_id));
  if (e.manifest.value("key_check", "") != StagedKeyCheck(c->obfuscation.key, e.job_id)) {
    return Status::InvalidArgument(
        fmt::format("the obfuscation key does not match the one export {} was started with",
                    e.job_id),
        "give the same obfuscation key again: pseudonyms of the completed windows depend on it");
  }
  if (originals_needed) {
    ExportConfig normalized = *c;
    Result<Connection> conn = NormalizeConnection(c->connection);
    if (!conn.ok()) return conn.status().Wrap(fmt::format("cannot resume export {}", e.job_id));
    normalized.connection = *conn;
    if (StagedOriginalsCheck(normalized, e.job_id) != e.manifest.value("originals_check", "")) {
      return Status::InvalidArgument(
          fmt::format(
              "the URL, jobs or query given for export {} differ from the ones it was started with",
              e.job_id),
          "give exactly the same -url and -jobs, -selector or -query as at the start");
    }
  }
  return c;
}

}  // namespace vmx
