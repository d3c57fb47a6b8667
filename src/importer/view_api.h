// The overview's API (`vmimport view`), registered on the local server next to the importer's.
//
//   GET /api/view                 {state: "starting"|"importing"|"ready"|"failed", bundle,
//                                 metadata (the bundle's metadata.json), import (report),
//                                 progress, time_range {start, end}, target, kept_in, error}
//   GET /api/view/query, /api/view/query_range, /api/view/labels, /api/view/series
//                                 the same parameters as VictoriaMetrics' /api/v1/<name>,
//                                 answered by the session's VictoriaMetrics (only these four
//                                 routes and their known parameters are forwarded)
//   POST /api/view/batch {queries: [{route: "query_range", params: {query, start, …}}, …]}
//                                 up to 200 of those queries in one request, run side by side:
//                                 {results: [{status, body}, …]} (view_query_batch.h)
//   POST /api/view/open {job_id}  (the importer page) points the overview at the target a
//                                 completed import wrote to, with that import's auth
//
// The target is fixed by vmimport (the private victoria-metrics or -url), never by the page, so
// the token-protected proxy cannot be pointed anywhere else. Thread-safe.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "common/http_client.h"
#include "importer/import_job.h"

namespace vmx::importer {

class ViewSession {
 public:
  // Queries go to `read_base` + "/api/v1/…" with `http`'s auth.
  void SetTarget(const std::string& read_base, const HttpClientOptions& http);
  // Replaces the fields of /api/view given in `info` (merged into the current answer).
  void Update(const nlohmann::json& info);
  // Adds live progress to /api/view while an import runs; nullptr removes it.
  void SetProgressSource(std::function<nlohmann::json()> progress);

  nlohmann::json Info() const;
  // The client for the target, or nullptr before SetTarget().
  std::shared_ptr<HttpClient> client(std::string* read_base) const;

 private:
  mutable std::mutex mu_;
  nlohmann::json info_ = {{"state", "starting"}};
  std::function<nlohmann::json()> progress_;
  std::string read_base_;
  std::shared_ptr<HttpClient> client_;
};

// Adds /api/view and the query proxy to `server`; `session` must outlive the server.
void RegisterViewApi(httplib::Server& server, ViewSession& session);

// Adds POST /api/view/open for the importer page; `session` and `jobs` must outlive the server.
void RegisterViewOpenApi(httplib::Server& server, ViewSession& session, ImportJobs& jobs);

// The bundle's metadata.json, or null (bare .jsonl bundles have none, or it is not JSON).
nlohmann::json ReadBundleMetadata(const std::string& bundle_path);

// {start, end} (RFC 3339) of the samples an import report (ImportReport::ToJson) says were
// sent, or null.
nlohmann::json ImportedRange(const nlohmann::json& report);

}  // namespace vmx::importer
