#include "infrastructure/vm/vm_client.h"

#include <fmt/format.h>

#include <algorithm>

#include "infrastructure/vm/vm_answer_error.h"

namespace vmx {
namespace {

// VictoriaMetrics takes seconds with a fraction; milliseconds keep export windows exact.
std::string SecondsParam(UnixMillis ms) {
  const bool negative = ms < 0;
  const uint64_t abs_ms =
      negative ? static_cast<uint64_t>(-(ms + 1)) + 1 : static_cast<uint64_t>(ms);
  return fmt::format("{}{}.{:03}", negative ? "-" : "", abs_ms / 1000, abs_ms % 1000);
}

void AddRange(FormFields* f, const TimeRange& range) {
  f->emplace_back("start", SecondsParam(range.start_ms));
  f->emplace_back("end", SecondsParam(range.end_ms));
}

void AddMatches(FormFields* f, const std::vector<std::string>& match) {
  for (const std::string& m : match) f->emplace_back("match[]", m);
}

bool LooksLikeHtml(std::string_view body) {
  size_t i = body.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && body[i] == '<';
}

}  // namespace

HttpClientOptions HttpOptionsFor(const Connection& c) {
  HttpClientOptions o;
  switch (c.auth.type) {
    case AuthType::kNone:
      break;
    case AuthType::kBasic:
      o.basic_user = c.auth.username;
      o.basic_password = c.auth.password;
      break;
    case AuthType::kBearer:
      o.bearer_token = c.auth.token;
      break;
    case AuthType::kHeader:
      o.header_name = c.auth.header_name;
      o.header_value = c.auth.header_value;
      break;
  }
  o.tls_skip_verify = c.tls.skip_verify;
  o.tls_ca_file = c.tls.ca_file;
  o.tls_cert_file = c.tls.cert_file;
  o.tls_key_file = c.tls.key_file;
  return o;
}

VmClient::VmClient(const Connection& connection) : VmClient(connection, HttpClientOptions{}) {}

VmClient::VmClient(const Connection& connection, const HttpClientOptions& transport)
    : connection_(connection) {
  HttpClientOptions o = HttpOptionsFor(connection);
  o.connect_timeout = transport.connect_timeout;
  o.stall_timeout = transport.stall_timeout;
  o.total_timeout = transport.total_timeout;
  o.max_response_bytes = transport.max_response_bytes;
  o.user_agent = transport.user_agent;
  o.cancel = transport.cancel;
  http_ = std::make_unique<HttpClient>(std::move(o));
  while (!connection_.full_api_url.empty() && connection_.full_api_url.back() == '/') {
    connection_.full_api_url.pop_back();
  }
}

VmClient::~VmClient() = default;

Result<nlohmann::json> VmClient::GetApi(const std::string& api_path, const FormFields& params,
                                        const std::string& what) {
  std::string url = connection_.full_api_url + api_path;
  const std::string context = fmt::format("cannot {} at {}", what, RedactUrl(url));
  if (!params.empty()) url += "?" + EncodeForm(params);
  Result<HttpResponse> r = http_->Get(url);
  if (!r.ok()) return r.status().Wrap(fmt::format("cannot {}", what));
  if (r->status < 200 || r->status >= 300) {
    return StatusFromVmAnswer(r->status, r->body, context, connection_);
  }
  nlohmann::json j = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() && !r->body.empty() && r->body.front() == '{') {
    return Status::Unavailable(fmt::format("{}: the answer ended early ({} bytes of JSON)", context,
                                           r->body.size()),
                               "a proxy in between may have dropped the connection")
        .WithKind(ErrorKind::kTruncatedBody);
  }
  if (j.is_discarded() || !j.is_object()) {
    return Status::Unavailable(
        fmt::format("{}: the answer is not JSON ({} bytes, starts with {:?})", context,
                    r->body.size(),
                    CleanVmErrorText(r->body.substr(0, 60), SecretsOf(connection_))),
        LooksLikeHtml(r->body) ? "the URL answers with a web page: is it the VictoriaMetrics API, "
                                 "or a login portal or UI?"
                               : "is this URL a VictoriaMetrics (Prometheus-compatible) API?");
  }
  if (j.value("status", "") == "error") {
    return StatusFromVmAnswer(422, j.value("error", r->body), context, connection_);
  }
  if (!j.contains("data")) {
    return Status::Unavailable(fmt::format("{}: the answer has no \"data\" field", context),
                               "is this URL a VictoriaMetrics (Prometheus-compatible) API?");
  }
  return std::move(j["data"]);
}

Result<nlohmann::json> VmClient::Get(const std::string& api_path, const FormFields& params) {
  return GetApi(api_path, params, "call " + api_path);
}

Result<nlohmann::json> VmClient::Query(const std::string& query, std::optional<UnixMillis> time) {
  FormFields f{{"query", query}};
  if (time) f.emplace_back("time", SecondsParam(*time));
  return GetApi("/api/v1/query", f, "run query");
}

Result<nlohmann::json> VmClient::QueryRange(const std::string& query, const TimeRange& range,
                                            int64_t step_seconds) {
  FormFields f{{"query", query}};
  AddRange(&f, range);
  f.emplace_back("step", std::to_string(std::max<int64_t>(1, step_seconds)) + "s");
  return GetApi("/api/v1/query_range", f, "run range query");
}

Result<nlohmann::json> VmClient::Series(const std::vector<std::string>& match,
                                        const TimeRange& range, int64_t limit) {
  FormFields f;
  AddMatches(&f, match);
  AddRange(&f, range);
  if (limit > 0) f.emplace_back("limit", std::to_string(limit));
  Result<nlohmann::json> data = GetApi("/api/v1/series", f, "list series");
  if (!data.ok()) return data;
  if (!data->is_array()) return Status::Unavailable("cannot list series: \"data\" is not an array");
  // Older VictoriaMetrics ignores `limit`; keep the promise here.
  if (limit > 0 && data->size() > static_cast<size_t>(limit)) {
    data->erase(data->begin() + limit, data->end());
  }
  return data;
}

namespace {

Result<std::vector<std::string>> StringArray(Result<nlohmann::json> data, const char* what) {
  if (!data.ok()) return data.status();
  if (!data->is_array())
    return Status::Unavailable(fmt::format("cannot {}: \"data\" is not an array", what));
  std::vector<std::string> out;
  out.reserve(data->size());
  for (const auto& v : *data) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> VmClient::LabelNames(const std::vector<std::string>& match,
                                                      const TimeRange& range) {
  FormFields f;
  AddMatches(&f, match);
  AddRange(&f, range);
  return StringArray(GetApi("/api/v1/labels", f, "list label names"), "list label names");
}

Result<std::vector<std::string>> VmClient::LabelValues(const std::string& label,
                                                       const std::vector<std::string>& match,
                                                       const TimeRange& range) {
  FormFields f;
  AddMatches(&f, match);
  AddRange(&f, range);
  return StringArray(
      GetApi("/api/v1/label/" + UrlEncode(label) + "/values", f, "list values of label " + label),
      "list label values");
}

Result<nlohmann::json> VmClient::BuildInfo() {
  Result<nlohmann::json> data = GetApi("/api/v1/status/buildinfo", {}, "read build info");
  if (!data.ok() && data.status().code() == StatusCode::kNotFound) {
    return Status::NotFound(data.status().message(),
                            "this build or proxy has no buildinfo endpoint");
  }
  return data;
}

Status VmClient::Export(const std::vector<std::string>& match, UnixMillis start_ms,
                        UnixMillis end_ms, const HttpClient::DataCallback& on_data) {
  const std::string url = connection_.full_api_url + "/api/v1/export";
  FormFields f;
  AddMatches(&f, match);
  f.emplace_back("start", SecondsParam(start_ms));
  f.emplace_back("end", SecondsParam(end_ms));
  // VictoriaMetrics ends every line with '\n'; a body that stops elsewhere was cut short (a
  // proxy or load balancer dropped the connection at a moment HTTP framing did not reveal).
  uint64_t received = 0;
  char last = '\n';
  Result<HttpResponse> r = http_->PostFormStream(url, f, [&](std::string_view chunk) {
    if (!chunk.empty()) {
      received += chunk.size();
      last = chunk.back();
    }
    return on_data(chunk);
  });
  if (!r.ok()) return r.status().Wrap("cannot export series");
  const std::string context = fmt::format("cannot export series from {}", RedactUrl(url));
  if (r->status >= 200 && r->status < 300) {
    if (last == '\n') return Status::Ok();
    return Status::Unavailable(
               fmt::format("{}: the answer ended in the middle of a line after {} bytes", context,
                           received),
               "a proxy in between may have dropped the connection")
        .WithKind(ErrorKind::kTruncatedBody);
  }
  Status s = StatusFromVmAnswer(r->status, r->body, context, connection_);
  if (s.kind() == ErrorKind::kVmMissingRoute) {
    return Status(StatusCode::kNotFound, s.message() + " (the export route is missing)",
                  "the export falls back to /api/v1/query_range for this URL")
        .WithKind(s.kind(), s.upstream_status());
  }
  return s;
}

bool IsMissingExportRoute(const Status& s) { return s.kind() == ErrorKind::kVmMissingRoute; }

}  // namespace vmx
