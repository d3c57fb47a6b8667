// VmClient: typed calls to one VictoriaMetrics Prometheus-compatible API base
// (connection.full_api_url, e.g. "http://vmselect:8481/select/0/prometheus").
//
// Thread-safe (HttpClient underneath). Every error message names the URL (redacted) and what was
// attempted, and carries a hint where the fix is known (wrong credentials, missing tenant,
// unreachable host, TLS failure, missing export route).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "common/status.h"
#include "domain/connection.h"
#include "domain/time_range.h"

namespace vmx {

class VmClient {
 public:
  // `connection` must be normalised (full_api_url set; see NormalizeConnection); it is used as is.
  explicit VmClient(const Connection& connection);
  // Same, taking the timeouts, size limit and user agent from `transport` (auth and TLS always
  // come from the connection). `transport.stall_timeout` bounds silence on streams, and
  // `transport.cancel` stops calls in flight.
  VmClient(const Connection& connection, const HttpClientOptions& transport);
  ~VmClient();

  const Connection& connection() const { return connection_; }

  // GET /api/v1/query; returns the "data" object ({resultType, result}).
  Result<nlohmann::json> Query(const std::string& query, std::optional<UnixMillis> time = {});
  // GET /api/v1/query_range; returns the "data" object.
  Result<nlohmann::json> QueryRange(const std::string& query, const TimeRange& range,
                                    int64_t step_seconds);
  // GET /api/v1/series; returns the "data" array of label objects.
  Result<nlohmann::json> Series(const std::vector<std::string>& match, const TimeRange& range,
                                int64_t limit = 0);
  // GET /api/v1/labels and /api/v1/label/<name>/values.
  Result<std::vector<std::string>> LabelNames(const std::vector<std::string>& match,
                                              const TimeRange& range);
  Result<std::vector<std::string>> LabelValues(const std::string& label,
                                               const std::vector<std::string>& match,
                                               const TimeRange& range);
  // GET /api/v1/status/buildinfo (absent on many builds: NotFound).
  Result<nlohmann::json> BuildInfo();
  // GET any API path under the base (e.g. "/api/v1/status/tsdb"); returns the "data" field.
  Result<nlohmann::json> Get(const std::string& api_path, const FormFields& params);

  // POST /api/v1/export with match[], start, end (both inclusive, in ms precision) and streams
  // the JSON-lines body to `on_data`. A missing export route gives a Status for which
  // IsMissingExportRoute() is true; a 2xx body that ends mid-line has kind kTruncatedBody.
  Status Export(const std::vector<std::string>& match, UnixMillis start_ms, UnixMillis end_ms,
                const HttpClient::DataCallback& on_data);

 private:
  Result<nlohmann::json> GetApi(const std::string& api_path, const FormFields& params,
                                const std::string& what);

  Connection connection_;
  std::unique_ptr<HttpClient> http_;
};

// True when `s` says the export endpoint does not exist at this URL ("missing route", 404,
// "unsupported path"): the caller should fall back to query_range.
bool IsMissingExportRoute(const Status& s);

// Builds the HttpClient options (auth, TLS) for a connection.
HttpClientOptions HttpOptionsFor(const Connection& connection);

}  // namespace vmx
