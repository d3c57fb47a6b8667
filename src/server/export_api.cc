#include "server/export_api.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "application/discovery/vm_service.h"
#include "application/export/staged_exports.h"
#include "common/api_response.h"
#include "common/safe_file.h"
#include "server/sample_rows.h"

namespace vmx {
namespace {

// The job id from {"job_id": …} in the body or ?id= / ?job_id= in the query.
Result<std::string> JobIdOf(const httplib::Request& req) {
  for (const char* key : {"id", "job_id"}) {
    if (req.has_param(key)) return req.get_param_value(key);
  }
  if (!req.body.empty()) {
    Result<nlohmann::json> body = ParseJsonBody(req);
    if (!body.ok()) return body.status();
    if (body->contains("job_id") && (*body)["job_id"].is_string())
      return (*body)["job_id"].get<std::string>();
  }
  return Status::InvalidArgument("job_id is required", "send {\"job_id\": \"…\"} or ?id=…");
}

// `name` safe inside a quoted Content-Disposition filename: quotes, backslashes and control
// characters (which would end or split the header) become '_'.
std::string QuotableFileName(std::string name) {
  for (char& c : name) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  }
  return name;
}

// GET /api/export/mapping?id=…: the original -> pseudonym mapping of a completed, obfuscated
// export as a JSON attachment, in the shape `vmexporter export -mapping-out` writes and
// `vmexporter reveal -mapping=FILE` reads. Built in memory from the job's Obfuscator and never
// written to disk here: it holds the real names the bundle hides.
void ReplyMapping(ExportService& service, const httplib::Request& req, httplib::Response& res) {
  Result<std::string> id = JobIdOf(req);
  if (!id.ok()) return ReplyError(res, id.status());
  Result<std::shared_ptr<ExportJob>> job = service.Find(*id);
  if (!job.ok()) return ReplyError(res, job.status());
  std::optional<nlohmann::json> mapping = (*job)->Mapping();
  if (!mapping) {
    return ReplyError(res, Status::Conflict("this export was not obfuscated: there is no mapping",
                                            "the bundle already holds the real names"));
  }
  const ExportJobState state = (*job)->state();
  std::optional<ExportResult> result = (*job)->result();
  if (state != ExportJobState::kCompleted || !result) {
    return ReplyError(
        res, Status::Conflict(
                 fmt::format("export job {:?} is {}, not completed: its mapping is not final yet",
                             *id, ExportJobStateName(state)),
                 "download the mapping once the export has completed (resume it if it was canceled "
                 "or failed)"));
  }
  std::string base = result->archive_name;
  if (base.size() > 4 && base.substr(base.size() - 4) == ".zip") base.resize(base.size() - 4);
  res.set_header("Content-Disposition",
                 "attachment; filename=\"" + QuotableFileName(base) + ".mapping.json\"");
  res.set_header("Cache-Control", "no-store");
  res.set_content(mapping->dump(2) + "\n", "application/json");
}

// Rows of sample_data in a legacy /api/export answer, as many as vmgather shows.
constexpr int64_t kLegacySampleRows = 5;
// How long /api/export/cancel waits for the job to stop before answering.
constexpr std::chrono::seconds kCancelSettleTime{5};

// The job that cancel or resume names; an unknown id is a bad request there, as in vmgather
// (a status query for it stays 404).
Status AsBadRequestIfNotFound(const Status& s) {
  return s.code() == StatusCode::kNotFound ? Status::InvalidArgument(s.message(), s.hint()) : s;
}

Result<std::shared_ptr<ExportJob>> ControlledJob(const ExportService& service,
                                                 const std::string& id) {
  Result<std::shared_ptr<ExportJob>> job = service.Find(id);
  if (!job.ok()) return AsBadRequestIfNotFound(job.status());
  return job;
}

Result<ExportConfig> ConfigOf(const httplib::Request& req) {
  Result<nlohmann::json> body = ParseJsonBody(req);
  if (!body.ok()) return body.status();
  return ExportConfigFromJson(*body);
}

}  // namespace

void RegisterExportApi(httplib::Server& server, const std::string& output_dir) {
  RegisterExportApi(server, std::make_shared<ExportService>(
                                ExportServiceOptions{.output_dir = output_dir, .job = {}}));
}

void RegisterExportApi(httplib::Server& server, std::shared_ptr<ExportService> service) {
  server.Post("/api/export", [service](const httplib::Request& req, httplib::Response& res) {
    Result<ExportConfig> config = ConfigOf(req);
    if (!config.ok()) return ReplyError(res, config.status());
    Result<std::shared_ptr<ExportJob>> job = service->Start(*config);
    if (!job.ok()) return ReplyError(res, job.status());
    (*job)->Wait();
    std::optional<ExportResult> r = (*job)->result();
    if (!r) {
      Status err = (*job)->error();
      if (err.ok()) err = Status::Canceled("the export was canceled");
      return ReplyError(res, err);
    }
    nlohmann::json reply = {{"export_id", r->export_id},
                            {"job_id", (*job)->id()},
                            {"archive_path", r->archive_path},
                            {"archive_name", r->archive_name},
                            {"archive_size", r->archive_size_bytes},
                            {"metrics_count", r->lines_exported},  // vmgather: JSON lines written
                            {"series_count", r->series_exported},
                            {"samples_count", r->samples_exported},
                            {"sha256", r->sha256},
                            {"time_range", TimeRangeToJson(r->time_range)},
                            {"obfuscation_applied", r->obfuscation_applied}};
    // vmgather shows a few exported series after the export, pseudonymised as in the bundle.
    Result<nlohmann::json> sample = VmService().Sample(*config, kLegacySampleRows);
    if (sample.ok()) {
      reply["sample_data"] = SampleRowsOf((*sample)["series"]);
    } else {
      reply["sample_data"] = nlohmann::json::array();
      reply["sample_error"] = sample.status().message();
    }
    ReplyJson(res, reply);
  });

  server.Post("/api/export/start", [service](const httplib::Request& req, httplib::Response& res) {
    Result<ExportConfig> config = ConfigOf(req);
    if (!config.ok()) return ReplyError(res, config.status());
    Result<std::shared_ptr<ExportJob>> job = service->Start(*config);
    if (!job.ok()) return ReplyError(res, job.status());
    ReplyJson(res, (*job)->StartJson());
  });

  server.Get("/api/export/status", [service](const httplib::Request& req, httplib::Response& res) {
    Result<std::string> id = JobIdOf(req);
    if (!id.ok()) return ReplyError(res, id.status());
    Result<std::shared_ptr<ExportJob>> job = service->Find(*id);
    if (!job.ok()) return ReplyError(res, job.status());
    ReplyJson(res, (*job)->StatusJson());
  });

  const auto control = [service](Status (ExportJob::*action)()) {
    return [service, action](const httplib::Request& req, httplib::Response& res) {
      Result<std::string> id = JobIdOf(req);
      if (!id.ok()) return ReplyError(res, id.status());
      Result<std::shared_ptr<ExportJob>> job = ControlledJob(*service, *id);
      if (!job.ok()) return ReplyError(res, job.status());
      if (Status s = ((**job).*action)(); !s.ok()) return ReplyError(res, s);
      if (action != &ExportJob::Cancel) return ReplyJson(res, (*job)->StatusJson());
      // vmgather answers {canceled: true, job_id}; the status beside it shows the stopped job
      // (a fetch in flight ends within moments; if not, the job still says "running").
      (*job)->WaitFor(kCancelSettleTime);
      nlohmann::json reply = (*job)->StatusJson();
      reply["canceled"] = true;
      ReplyJson(res, reply);
    };
  };
  server.Post("/api/export/cancel", control(&ExportJob::Cancel));
  // A job of this process resumes by id; an unfinished export an earlier process left in the
  // staging dir (see /api/export/staged) also needs its credentials and obfuscation key again:
  // {job_id, staging_dir?, auth?, obfuscation_key?}.
  server.Post("/api/export/resume",
              [service, control](const httplib::Request& req, httplib::Response& res) {
                Result<std::string> id = JobIdOf(req);
                if (!id.ok()) return ReplyError(res, id.status());
                Result<std::shared_ptr<ExportJob>> own = service->Find(*id);
                if (own.ok()) return control(&ExportJob::Resume)(req, res);
                if (req.body.empty()) return ReplyError(res, ControlledJob(*service, *id).status());
                Result<nlohmann::json> body = ParseJsonBody(req);
                if (!body.ok()) return ReplyError(res, body.status());
                Result<std::shared_ptr<ExportJob>> job =
                    service->Adopt(body->value("staging_dir", ""), *id, *body);
                if (!job.ok()) return ReplyError(res, AsBadRequestIfNotFound(job.status()));
                ReplyJson(res, (*job)->StatusJson());
              });

  // Removes an unfinished export of an earlier process: {job_id, staging_dir?}.
  server.Post("/api/export/discard", [service](const httplib::Request& req, httplib::Response& res) {
    Result<std::string> id = JobIdOf(req);
    if (!id.ok()) return ReplyError(res, id.status());
    Result<nlohmann::json> body = ParseJsonBody(req);
    if (!body.ok()) return ReplyError(res, body.status());
    if (Status s = service->Discard(body->value("staging_dir", ""), *id); !s.ok()) {
      return ReplyError(res, AsBadRequestIfNotFound(s));
    }
    ReplyJson(res, {{"discarded", true}, {"job_id", *id}});
  });

  // Unfinished exports of earlier processes in the staging dir (?dir=, default root).
  server.Get("/api/export/staged", [](const httplib::Request& req, httplib::Response& res) {
    const std::string root = req.has_param("dir") ? req.get_param_value("dir") : "";
    nlohmann::json staged = nlohmann::json::array();
    for (const StagedExport& e : ListStagedExports(root)) staged.push_back(StagedExportSummary(e));
    ReplyJson(res,
              {{"staging_root", root.empty() ? DefaultStagingRoot() : root}, {"staged", staged}});
  });

  server.Get("/api/export/mapping", [service](const httplib::Request& req, httplib::Response& res) {
    ReplyMapping(*service, req, res);
  });

  server.Get("/api/download", [service](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("path")) {
      return ReplyError(res, Status::InvalidArgument("path is required",
                                                     "use the archive_path of a finished export"));
    }
    Result<std::string> path = service->OwnBundlePath(req.get_param_value("path"));
    if (!path.ok()) return ReplyError(res, path.status());
    // Only the file this process wrote: a symlink or another file put in its place is refused.
    Result<int> fd = OpenRecordedFile(*path);
    if (!fd.ok()) return ReplyError(res, fd.status());
    std::shared_ptr<FILE> file(fdopen(*fd, "rb"), [](FILE* f) {
      if (f != nullptr) std::fclose(f);
    });
    struct stat st {};
    if (file == nullptr || fstat(fileno(file.get()), &st) != 0) {
      if (file == nullptr) close(*fd);
      return ReplyError(res, Status::NotFound("the bundle " + *path + " can no longer be read"));
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    const std::string name = std::filesystem::path(*path).filename().string();
    res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
    res.set_content_provider(
        size, "application/zip", [file](size_t offset, size_t length, httplib::DataSink& sink) {
          char buf[64 * 1024];
          if (std::fseek(file.get(), static_cast<long>(offset), SEEK_SET) != 0) return false;
          const size_t n = std::fread(buf, 1, std::min(length, sizeof(buf)), file.get());
          return n > 0 && sink.write(buf, n);
        });
  });
}

}  // namespace vmx
