#include "importer/view_api.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "common/api_response.h"
#include "common/bundle_reader.h"
#include "common/status.h"
#include "importer/import_target.h"
#include "importer/view_query_batch.h"

namespace vmx::importer {
namespace {

struct ProxiedRoute {
  const char* name;                   // /api/view/<name> -> /api/v1/<name>
  std::array<const char*, 5> params;  // forwarded query parameters; others are dropped
};

constexpr ProxiedRoute kRoutes[] = {
    {"query", {"query", "time", "step", "timeout", nullptr}},
    {"query_range", {"query", "start", "end", "step", "timeout"}},
    {"labels", {"match[]", "start", "end", nullptr, nullptr}},
    {"series", {"match[]", "start", "end", "limit", nullptr}},
};

const ProxiedRoute* FindRoute(std::string_view name) {
  for (const ProxiedRoute& r : kRoutes) {
    if (name == r.name) return &r;
  }
  return nullptr;
}

// Up to this many queries in one batch, this many at once against VictoriaMetrics (which runs
// 2 × CPUs queries at once by default and queues the rest).
constexpr size_t kMaxBatchQueries = 200;
constexpr int kBatchParallelism = 4;
constexpr size_t kMaxBatchAnswerBytes = 256u << 20;

std::shared_ptr<HttpClient> ReadyClient(const ViewSession& session, std::string* base,
                                        httplib::Response& res) {
  std::shared_ptr<HttpClient> client = session.client(base);
  if (!client) {
    ReplyError(res, Status::Conflict("the overview's VictoriaMetrics is not ready yet",
                                     "wait until the import finishes"));
  }
  return client;
}

void Forward(const ViewSession& session, const ProxiedRoute& route, const httplib::Request& req,
             httplib::Response& res) {
  std::string base;
  std::shared_ptr<HttpClient> client = ReadyClient(session, &base, res);
  if (!client) return;
  ViewQuery query{route.name, {}};
  for (const char* name : route.params) {
    if (name == nullptr) continue;
    auto [begin, end] = req.params.equal_range(name);
    for (auto it = begin; it != end; ++it) query.form.emplace_back(name, it->second);
  }
  Result<HttpResponse> answer = AskViewTarget(*client, base, query);
  if (!answer.ok()) {
    return ReplyError(res, answer.status().Wrap(fmt::format("cannot query {}", RedactUrl(base))));
  }
  res.status = answer->status;
  res.set_content(std::move(answer->body), answer->content_type.empty()
                                               ? std::string("application/json")
                                               : answer->content_type);
}

// {"queries": [{"route": "query_range", "params": {"query": "…", "start": 1700000000, …}}, …]}
Result<std::vector<ViewQuery>> ParseBatch(const nlohmann::json& body) {
  const nlohmann::json* list = body.contains("queries") ? &body["queries"] : nullptr;
  if (list == nullptr || !list->is_array() || list->empty() || list->size() > kMaxBatchQueries) {
    return Status::InvalidArgument(
        fmt::format("a batch needs \"queries\": a list of 1 to {} queries", kMaxBatchQueries));
  }
  std::vector<ViewQuery> queries;
  for (const nlohmann::json& q : *list) {
    const ProxiedRoute* route = q.is_object() && q.value("route", nlohmann::json()).is_string()
                                    ? FindRoute(q["route"].get<std::string>())
                                    : nullptr;
    if (route == nullptr) {
      return Status::InvalidArgument(fmt::format(
          "query {} of the batch has no known \"route\" (query, query_range, labels or series)",
          queries.size() + 1));
    }
    const nlohmann::json params = q.value("params", nlohmann::json::object());
    if (!params.is_object()) {
      return Status::InvalidArgument(
          fmt::format("query {} of the batch: \"params\" must be an object", queries.size() + 1));
    }
    ViewQuery query{route->name, {}};
    for (const char* name : route->params) {
      if (name == nullptr || !params.contains(name)) continue;
      const nlohmann::json& v = params[name];
      if (!v.is_string() && !v.is_number()) {
        return Status::InvalidArgument(
            fmt::format("query {} of the batch: \"{}\" must be a string or a number",
                        queries.size() + 1, name));
      }
      query.form.emplace_back(name, v.is_string() ? v.get<std::string>() : v.dump());
    }
    queries.push_back(std::move(query));
  }
  return queries;
}

void AnswerBatch(const ViewSession& session, const httplib::Request& req, httplib::Response& res) {
  Result<nlohmann::json> body = ParseJsonBody(req);
  if (!body.ok()) return ReplyError(res, body.status());
  Result<std::vector<ViewQuery>> queries = ParseBatch(*body);
  if (!queries.ok()) return ReplyError(res, queries.status());
  std::string base;
  std::shared_ptr<HttpClient> client = ReadyClient(session, &base, res);
  if (!client) return;
  res.set_content(
      RunViewQueryBatch(*client, base, *queries, kBatchParallelism, kMaxBatchAnswerBytes),
      "application/json");
}

}  // namespace

nlohmann::json ParseMetadata(const std::string& text) {
  if (text.empty()) return nullptr;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

nlohmann::json ReadBundleMetadata(const std::string& bundle_path) {
  Result<std::unique_ptr<BundleReader>> reader = BundleReader::Open(bundle_path);
  if (!reader.ok()) return nullptr;
  return ParseMetadata((*reader)->metadata_json());
}

nlohmann::json ImportedRange(const nlohmann::json& report) {
  if (!report.is_object() || report.value("samples_sent", 0) == 0 || !report.contains("time_range"))
    return nullptr;
  return report["time_range"];
}

void ViewSession::SetTarget(const std::string& read_base, const HttpClientOptions& http) {
  HttpClientOptions o = http;
  o.connect_timeout = std::chrono::milliseconds(5000);
  o.total_timeout = std::chrono::milliseconds(120'000);
  o.max_response_bytes = 64u << 20;  // a panel never needs more; a runaway query is refused
  o.user_agent = "vmimport";
  auto client = std::make_shared<HttpClient>(o);
  std::lock_guard lock(mu_);
  read_base_ = read_base;
  client_ = std::move(client);
}

void ViewSession::Update(const nlohmann::json& info) {
  std::lock_guard lock(mu_);
  info_.update(info);
}

void ViewSession::SetProgressSource(std::function<nlohmann::json()> progress) {
  std::lock_guard lock(mu_);
  progress_ = std::move(progress);
}

nlohmann::json ViewSession::Info() const {
  std::lock_guard lock(mu_);
  nlohmann::json j = info_;
  if (progress_) j["progress"] = progress_();
  return j;
}

std::shared_ptr<HttpClient> ViewSession::client(std::string* read_base) const {
  std::lock_guard lock(mu_);
  *read_base = read_base_;
  return client_;
}

void RegisterViewApi(httplib::Server& server, ViewSession& session) {
  server.Get("/api/view", [&session](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, session.Info());
  });
  for (const ProxiedRoute& route : kRoutes) {
    server.Get(fmt::format("/api/view/{}", route.name),
               [&session, &route](const httplib::Request& req, httplib::Response& res) {
                 Forward(session, route, req, res);
               });
  }
  server.Post("/api/view/batch", [&session](const httplib::Request& req, httplib::Response& res) {
    AnswerBatch(session, req, res);
  });
}

}  // namespace vmx::importer

namespace vmx::importer {

void RegisterViewOpenApi(httplib::Server& server, ViewSession& session, ImportJobs& jobs) {
  server.Post("/api/view/open",
              [&session, &jobs](const httplib::Request& req, httplib::Response& res) {
                Result<nlohmann::json> body = ParseJsonBody(req);
                if (!body.ok()) return ReplyError(res, body.status());
                Result<std::shared_ptr<ImportJob>> job = jobs.Find(body->value("job_id", ""));
                if (!job.ok()) return ReplyError(res, job.status());
                const nlohmann::json state = (*job)->ToJson();
                if (state["state"] != "completed") {
                  return ReplyError(res, Status::Conflict("the overview needs a completed import",
                                                          "wait until the import finishes"));
                }
                const ImportOptions options = (*job)->options();
                Result<ImportTarget> target =
                    ResolveImportTarget(options.url, options.tenant, options.read_url);
                if (!target.ok()) return ReplyError(res, target.status());
                HttpClientOptions http = options.http;
                if (http.basic_user.empty() && !target->url_user.empty()) {
                  http.basic_user = target->url_user;
                  http.basic_password = target->url_password;
                }
                session.SetTarget(target->read_base, http);
                session.Update({{"state", "ready"},
                                {"bundle", state["bundle"]["name"]},
                                {"metadata", ParseMetadata((*job)->metadata_json())},
                                {"import", state["report"]},
                                {"time_range", ImportedRange(state["report"])},
                                {"target", RedactUrl(target->read_base)},
                                {"private", false}});
                ReplyJson(res, session.Info());
              });
}

}  // namespace vmx::importer
