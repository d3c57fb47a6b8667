#include "server/discovery_api.h"

#include "application/discovery/label_inventory.h"
#include "application/discovery/vm_service.h"
#include "common/api_response.h"
#include "domain/json_fields.h"

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

void HandleValidate(const VmService& service, const httplib::Request& req, httplib::Response& res) {
  Result<nlohmann::json> body = ParseJsonBody(req);
  if (!body.ok()) return ReplyError(res, body.status());
  Result<Connection> conn = ConnectionOf(*body);
  if (!conn.ok()) return ReplyError(res, conn.status());
  ValidationReport report = service.Validate(*conn);
  if (!report.status.ok()) return ReplyJson(res, report.ToErrorJson(), report.status.http_status());
  ReplyJson(res, report.ToJson());
}

void HandleDiscover(const VmService& service, const httplib::Request& req, httplib::Response& res) {
  Result<nlohmann::json> body = ParseJsonBody(req);
  if (!body.ok()) return ReplyError(res, body.status());
  Result<Connection> conn = ConnectionOf(*body);
  if (!conn.ok()) return ReplyError(res, conn.status());
  auto tr = body->find("time_range");
  if (tr == body->end() || tr->is_null()) {
    return ReplyError(
        res, Status::InvalidArgument(
                 "time_range is required",
                 "send {\"time_range\": {\"start\": \"2025-01-01T00:00:00Z\", \"end\": \"…\"}}"));
  }
  Result<TimeRange> range = TimeRangeFromJson(*tr, "time_range.");
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
}

}  // namespace vmx
