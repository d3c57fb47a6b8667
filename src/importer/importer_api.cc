#include "importer/importer_api.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>

#include "common/api_response.h"
#include "common/version.h"
#include "importer/import_target.h"
#include "importer/target_probe.h"
#include "importer/upload_form.h"

namespace vmx::importer {
namespace {

// Options from a request's "config" (or the request itself), with the server's limits.
Result<ImportOptions> OptionsFrom(const nlohmann::json& config, const ImporterLimits& limits) {
  ImportOptions o;
  o.max_decompressed_bytes = limits.max_decompressed_bytes;
  o.max_decompression_ratio = limits.max_decompression_ratio;
  o.max_line_bytes = limits.max_line_bytes;
  if (Status s = ImportOptionsFromJson(config, &o); !s.ok()) return s;
  return o;
}

Result<std::shared_ptr<ImportJob>> JobFrom(ImportJobs& jobs, const nlohmann::json& body) {
  if (!body.contains("job_id") || !body["job_id"].is_string()) {
    return Status::InvalidArgument("job_id is missing", "upload the bundle first; the answer carries job_id");
  }
  return jobs.Find(body["job_id"].get<std::string>());
}

nlohmann::json StatusJson(const Status& s) {
  if (s.ok()) return {{"ok", true}};
  nlohmann::json j = {{"ok", false}, {"error", s.message()}};
  if (!s.hint().empty()) j["hint"] = s.hint();
  return j;
}

// Client options for short probing calls.
HttpClientOptions ProbeHttp(const ImportOptions& o, const ImportTarget& t) {
  HttpClientOptions http = o.http;
  if (http.basic_user.empty() && !t.url_user.empty()) {
    http.basic_user = t.url_user;
    http.basic_password = t.url_password;
  }
  http.connect_timeout = std::chrono::milliseconds(5000);
  http.total_timeout = std::chrono::milliseconds(20000);
  http.user_agent = "vmimport";
  return http;
}

void HandleUpload(ImportJobs& jobs, const ImporterLimits& limits, const httplib::Request& req,
                  httplib::Response& res, const httplib::ContentReader& content_reader) {
  if (Status s = CheckUploadRequest(req, limits.max_upload_bytes); !s.ok()) {
    ReplyError(res, s);
    return;
  }
  Result<std::shared_ptr<ImportJob>> created = jobs.Create();
  if (!created.ok()) {
    ReplyError(res, created.status());
    return;
  }
  std::shared_ptr<ImportJob> job = *created;
  Result<UploadForm> form = ReceiveUpload(content_reader, job->bundle_path(), limits.max_upload_bytes);
  if (!form.ok()) {
    jobs.Remove(job->id());
    // The rest of a refused body may still be in the socket; without closing, the server would
    // read it as the next request on this keep-alive connection (seen while fuzzing).
    res.set_header("Connection", "close");
    ReplyError(res, form.status());
    return;
  }
  const nlohmann::json& config = form->config;
  job->SetUploaded(form->file_name, form->bundle_bytes);
  if (config.value("start", true)) {
    Result<ImportOptions> options = OptionsFrom(config, limits);
    Status s = options.ok() ? job->Start(*options) : options.status();
    if (!s.ok()) {
      nlohmann::json j = job->ToJson();
      j["error"] = s.message();
      if (!s.hint().empty()) j["hint"] = s.hint();
      ReplyJson(res, j, s.http_status());
      return;
    }
  }
  ReplyJson(res, job->ToJson());
}

}  // namespace

void RegisterImporterApi(httplib::Server& server, ImportJobs& jobs, const ImporterLimits& limits) {
  server.Get("/api/config", [limits](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, {{"version", std::string(Version())},
                    {"max_upload_bytes", limits.max_upload_bytes},
                    {"max_decompressed_bytes", limits.max_decompressed_bytes},
                    {"max_line_bytes", limits.max_line_bytes}});
  });

  server.Post("/api/upload", [&jobs, limits](const httplib::Request& req, httplib::Response& res,
                                             const httplib::ContentReader& content_reader) {
    HandleUpload(jobs, limits, req, res, content_reader);
  });

  server.Get("/api/import/status", [&jobs](const httplib::Request& req, httplib::Response& res) {
    Result<std::shared_ptr<ImportJob>> job = jobs.Find(req.get_param_value("id"));
    if (!job.ok()) return ReplyError(res, job.status());
    ReplyJson(res, (*job)->ToJson());
  });

  server.Get("/api/import/rejects", [&jobs](const httplib::Request& req, httplib::Response& res) {
    Result<std::shared_ptr<ImportJob>> job = jobs.Find(req.get_param_value("id"));
    if (!job.ok()) return ReplyError(res, job.status());
    std::ifstream in((*job)->rejects_path(), std::ios::binary);
    if (!in) return ReplyError(res, Status::NotFound("this import set no lines aside"));
    res.set_header("Content-Disposition", "attachment; filename=\"rejects.jsonl\"");
    res.set_content(std::string(std::istreambuf_iterator<char>(in), {}), "application/jsonl");
  });

  auto job_action = [&jobs, limits](const std::string& action) {
    return [&jobs, limits, action](const httplib::Request& req, httplib::Response& res) {
      Result<nlohmann::json> body = ParseJsonBody(req);
      if (!body.ok()) return ReplyError(res, body.status());
      Result<std::shared_ptr<ImportJob>> job = JobFrom(jobs, *body);
      if (!job.ok()) return ReplyError(res, job.status());
      Status s;
      if (action == "start") {
        Result<ImportOptions> options = OptionsFrom(body->value("config", nlohmann::json::object()), limits);
        s = options.ok() ? (*job)->Start(*options) : options.status();
      } else if (action == "cancel") {
        s = (*job)->Cancel();
      } else {
        s = (*job)->Resume();
      }
      if (!s.ok()) return ReplyError(res, s);
      ReplyJson(res, (*job)->ToJson());
    };
  };
  server.Post("/api/import/start", job_action("start"));
  server.Post("/api/import/cancel", job_action("cancel"));
  server.Post("/api/import/resume", job_action("resume"));

  server.Post("/api/connection/check", [limits](const httplib::Request& req, httplib::Response& res) {
    Result<nlohmann::json> body = ParseJsonBody(req);
    if (!body.ok()) return ReplyError(res, body.status());
    const nlohmann::json config = body->contains("config") ? (*body)["config"] : *body;
    Result<ImportOptions> options = OptionsFrom(config, limits);
    if (!options.ok()) return ReplyError(res, options.status());
    Result<ImportTarget> target = ResolveImportTarget(options->url, options->tenant, options->read_url);
    if (!target.ok()) return ReplyError(res, target.status());
    HttpClient client(ProbeHttp(*options, *target));
    const Status write = CheckWriteAccess(client, *target);
    const Status read = CheckReadAccess(client, *target);
    const TargetFlags flags = ReadTargetFlags(client, *target);
    nlohmann::json j = {
        {"ok", write.ok() && read.ok()},
        {"target", {{"write_url", RedactUrl(target->write_url)},
                    {"read_url", RedactUrl(target->read_base)},
                    {"tenant", target->tenant}}},
        {"write", StatusJson(write)},
        {"read", StatusJson(read)},
        {"retention", flags.retention_text},
        // Where the flags came from; "" when no page showed them: the page then asks the user.
        {"flags_source", flags.source},
        {"max_labels_per_series",
         flags.max_labels_per_series ? nlohmann::json(*flags.max_labels_per_series) : nlohmann::json(nullptr)},
    };
    if (!write.ok()) {
      j["error"] = write.message();
      j["hint"] = write.hint();
    } else if (!read.ok()) {
      j["error"] = read.message();
      j["hint"] = read.hint();
    }
    ReplyJson(res, j);
  });

  server.Post("/api/preflight", [&jobs, limits](const httplib::Request& req, httplib::Response& res) {
    Result<nlohmann::json> body = ParseJsonBody(req);
    if (!body.ok()) return ReplyError(res, body.status());
    Result<std::shared_ptr<ImportJob>> job = JobFrom(jobs, *body);
    if (!job.ok()) return ReplyError(res, job.status());
    Result<ImportOptions> options = OptionsFrom(body->value("config", nlohmann::json::object()), limits);
    if (!options.ok()) return ReplyError(res, options.status());
    TargetFlags flags;
    if (!options->url.empty()) {
      Result<ImportTarget> target = ResolveImportTarget(options->url, options->tenant, options->read_url);
      if (target.ok()) {
        HttpClient client(ProbeHttp(*options, *target));
        flags = ReadTargetFlags(client, *target);
      }
    }
    // The job scans its bundle once; later calls (other options) only recount from that scan.
    Result<PreflightReport> report = (*job)->Preflight(*options, flags);
    if (!report.ok()) return ReplyError(res, report.status());
    ReplyJson(res, report->ToJson());
  });
}

}  // namespace vmx::importer
