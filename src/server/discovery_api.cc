#include "server/discovery_api.h"

#include "application/discovery/label_inventory.h"
#include <fmt/format.h>

#include "application/discovery/vm_service.h"
#include "common/api_response.h"
#include "domain/json_fields.h"
#include "server/sample_rows.h"

namespace vmx {
namespace {

// Default number of series in a preview when the request does not say.
constexpr int64_t kDefaultSampleLimit = 20;

// {"connection": {...}}; a bare connection object ({"url": ...}) is accepted too, as older
// scripts send it.
Result<Connection> ConnectionOf(const nlohmann::json& body) {
  auto it = body.find("connection");
  if (it == body.end() || it->is_null()) {
    if (body.contains("url")) return ConnectionFromJson(body, "");
    return Status::InvalidArgument(
        "connection is required",
        "send {\"connection\": {\"url\": \"http://victoria-metrics:8428\"}}");
  }
  return ConnectionFromJson(*it, "connection.");
}

// A request body and the connection in it.
struct ConnectionRequest {
  nlohmann::json body;
  Connection connection;
};

Result<ConnectionRequest> ConnectionRequestOf(const httplib::Request& req) {
  Result<nlohmann::json> body = ParseJsonBody(req);
  if (!body.ok()) return body.status();
  Result<Connection> conn = ConnectionOf(*body);
  if (!conn.ok()) return conn.status();
  return ConnectionRequest{std::move(*body), std::move(*conn)};
}

void HandleValidate(const VmService& service, const httplib::Request& req, httplib::Response& res) {
  Result<ConnectionRequest> in = ConnectionRequestOf(req);
  if (!in.ok()) return ReplyError(res, in.status());
  ValidationReport report = service.Validate(in->connection);
  if (report.status.ok()) return ReplyJson(res, report.ToJson());
  // Like vmgather, a VictoriaMetrics that cannot be used is an answer (200, success:false), not
  // a failure of this API; only a URL that cannot be parsed is a bad request.
  if (report.stage != "url") return ReplyJson(res, report.ToErrorJson());
  nlohmann::json error = report.ToErrorJson();
  error["status"] = report.status.http_status();
  ReplyJson(res, error, report.status.http_status());
}

// {"time_range": {"start", "end"}} of a request body, required.
Result<TimeRange> TimeRangeOf(const nlohmann::json& body) {
  auto tr = body.find("time_range");
  if (tr == body.end() || tr->is_null()) {
    return Status::InvalidArgument(
        "time_range is required",
        "send {\"time_range\": {\"start\": \"2025-01-01T00:00:00Z\", \"end\": \"…\"}}");
  }
  return TimeRangeFromJson(*tr, "time_range.");
}

// A required, non-blank string field of a request body, trimmed.
Result<std::string> TextOf(const nlohmann::json& body, const char* key, const char* example) {
  std::string text;
  if (Status s = json_fields::ReadString(body, key, "", &text); !s.ok()) return s;
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return Status::InvalidArgument(fmt::format("{} is required", key),
                                   fmt::format("e.g. {}", example));
  }
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// POST /api/validate-query {connection, query}: vmgather's custom-query check.
void HandleValidateQuery(const VmService& service, const httplib::Request& req,
                         httplib::Response& res) {
  Result<ConnectionRequest> in = ConnectionRequestOf(req);
  if (!in.ok()) return ReplyError(res, in.status());
  const nlohmann::json* body = &in->body;
  const Connection* conn = &in->connection;
  Result<std::string> query =
      TextOf(*body, "query", "{job=\"vmagent\"} or rate(vm_http_requests_total[5m])");
  if (!query.ok()) return ReplyError(res, query.status());
  Result<QueryCheck> check = service.CheckQuery(*conn, *query);
  if (!check.ok()) return ReplyError(res, check.status());
  ReplyJson(res, {{"success", true},
                  {"valid", true},
                  {"query_type", check->selector ? "selector" : "metricsql"},
                  {"result_count", check->result_count},
                  {"has_job", check->has_job},
                  {"has_instance", check->has_instance},
                  {"sample_labels", check->sample_labels}});
}

// POST /api/discover-selector {connection, time_range, selector}: the jobs a custom selector
// reaches, as vmgather lists them.
void HandleDiscoverSelector(const VmService& service, const httplib::Request& req,
                            httplib::Response& res) {
  Result<ConnectionRequest> in = ConnectionRequestOf(req);
  if (!in.ok()) return ReplyError(res, in.status());
  const nlohmann::json* body = &in->body;
  const Connection* conn = &in->connection;
  Result<TimeRange> range = TimeRangeOf(*body);
  if (!range.ok()) return ReplyError(res, range.status());
  Result<std::string> selector = TextOf(*body, "selector", "{job=~\"vmagent.*\"}");
  if (!selector.ok()) return ReplyError(res, selector.status());
  Result<std::vector<SelectorJob>> jobs = service.SelectorJobs(*conn, *selector, *range);
  if (!jobs.ok()) return ReplyError(res, jobs.status());
  nlohmann::json out = nlohmann::json::array();
  for (const SelectorJob& j : *jobs) {
    out.push_back({{"job", j.job},
                   {"instance_count", j.instance_count},
                   {"metrics_count_estimate", j.series}});
  }
  ReplyJson(res, {{"jobs", out}, {"time_range", TimeRangeToJson(*range)}});
}

void HandleDiscover(const VmService& service, const httplib::Request& req, httplib::Response& res) {
  Result<ConnectionRequest> in = ConnectionRequestOf(req);
  if (!in.ok()) return ReplyError(res, in.status());
  const nlohmann::json* body = &in->body;
  const Connection* conn = &in->connection;
  Result<TimeRange> range = TimeRangeOf(*body);
  if (!range.ok()) return ReplyError(res, range.status());
  Result<DiscoveryReport> report = service.Discover(*conn, *range);
  if (!report.ok()) return ReplyError(res, report.status());
  ReplyJson(res, report->ToJson());
}

void HandleSample(const VmService& service, const httplib::Request& req, httplib::Response& res) {
  Result<nlohmann::json> body = ParseJsonBody(req);
  if (!body.ok()) return ReplyError(res, body.status());
  auto cfg = body->find("config");
  const bool bare = (cfg == body->end() || cfg->is_null()) && body->contains("connection");
  if (!bare && (cfg == body->end() || cfg->is_null())) {
    return ReplyError(res,
                      Status::InvalidArgument("config is required",
                                              "send {\"config\": <ExportConfig>, \"limit\": 20}"));
  }
  if (!bare && !cfg->is_object())
    return ReplyError(res, Status::InvalidArgument("config must be an object"));
  Result<ExportConfig> config = ExportConfigFromJson(bare ? *body : *cfg);
  if (!config.ok()) return ReplyError(res, config.status().Wrap("config"));
  int64_t limit = kDefaultSampleLimit;
  if (Status s = json_fields::ReadInt(*body, "limit", "", &limit); !s.ok())
    return ReplyError(res, s);
  if (limit < 1) {
    return ReplyError(res, Status::InvalidArgument("limit must be a positive integer",
                                                   "ask for 1 to 1000 series"));
  }
  Result<nlohmann::json> sample = service.Sample(*config, limit);
  if (!sample.ok()) return ReplyError(res, sample.status());
  if (limit > kMaxSampleSeries) (*sample)["limit_capped"] = true;
  (*sample)["samples"] = SampleRowsOf((*sample)["series"]);
  ReplyJson(res, *sample);
}

// POST /api/labels {"config": ExportConfig}: every label name of the selection with its default
// treatment (LabelInventory).
void HandleLabels(const httplib::Request& req, httplib::Response& res) {
  Result<nlohmann::json> body = ParseJsonBody(req);
  if (!body.ok()) return ReplyError(res, body.status());
  auto cfg = body->find("config");
  if (cfg == body->end() || !cfg->is_object()) {
    return ReplyError(res, Status::InvalidArgument("config is required", "send {\"config\": <ExportConfig>}"));
  }
  Result<ExportConfig> config = ExportConfigFromJson(*cfg);
  if (!config.ok()) return ReplyError(res, config.status().Wrap("config"));
  Result<nlohmann::json> labels = LabelInventory(*config);
  if (!labels.ok()) return ReplyError(res, labels.status());
  ReplyJson(res, *labels);
}

}  // namespace

void RegisterDiscoveryApi(httplib::Server& server) {
  auto service = std::make_shared<VmService>();
  server.Post("/api/validate", [service](const httplib::Request& req, httplib::Response& res) {
    HandleValidate(*service, req, res);
  });
  server.Post("/api/discover", [service](const httplib::Request& req, httplib::Response& res) {
    HandleDiscover(*service, req, res);
  });
  server.Post("/api/sample", [service](const httplib::Request& req, httplib::Response& res) {
    HandleSample(*service, req, res);
  });
  server.Post("/api/labels", HandleLabels);
  server.Post("/api/validate-query",
              [service](const httplib::Request& req, httplib::Response& res) {
                HandleValidateQuery(*service, req, res);
              });
  server.Post("/api/discover-selector",
              [service](const httplib::Request& req, httplib::Response& res) {
                HandleDiscoverSelector(*service, req, res);
              });
}

}  // namespace vmx
