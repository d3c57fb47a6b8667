#include "infrastructure/vm/vm_answer_error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "common/http_reason.h"
#include "infrastructure/vm/url_normalizer.h"

namespace vmx {
namespace {

constexpr size_t kMaxShownChars = 300;

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Replaces every occurrence of `needle` in `s` with "***".
void RedactAll(std::string& s, std::string_view needle) {
  if (needle.size() < 3) return;  // too short to find reliably; would mangle the text
  for (size_t pos = s.find(needle); pos != std::string::npos; pos = s.find(needle, pos + 3)) {
    s.replace(pos, needle.size(), "***");
  }
}

// Replaces the token after "Basic " / "Bearer " (any case) with "***".
void RedactAuthSchemes(std::string& s) {
  for (std::string_view scheme : {"basic ", "bearer "}) {
    std::string lower = s;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    size_t pos = 0;
    while ((pos = lower.find(scheme, pos)) != std::string::npos) {
      size_t start = pos + scheme.size();
      size_t end = start;
      while (end < s.size() && s[end] != '"' && s[end] != '\'' &&
             !std::isspace(static_cast<unsigned char>(s[end])))
        ++end;
      if (end > start) {
        s.replace(start, end - start, "***");
        lower.replace(start, end - start, "***");
      }
      pos = start + 3;
    }
  }
}

// The value in `-http.pathPrefix="…"` of VictoriaMetrics' "missing -http.pathPrefix" answer.
std::string QuotedAfter(std::string_view text, std::string_view marker) {
  size_t pos = text.find(marker);
  if (pos == std::string_view::npos) return {};
  pos += marker.size();
  size_t end = text.find('"', pos);
  if (end == std::string_view::npos) return {};
  return std::string(text.substr(pos, end - pos));
}

Status VmAnswerStatus(int http_status, std::string_view body, const std::string& what,
                      const Connection& connection);

}  // namespace

std::vector<std::string> SecretsOf(const Connection& c) {
  std::vector<std::string> out;
  for (const std::string* s : {&c.auth.password, &c.auth.token, &c.auth.header_value}) {
    if (!s->empty()) out.push_back(*s);
  }
  if (c.auth.header_value.rfind("Bearer ", 0) == 0) out.push_back(c.auth.header_value.substr(7));
  return out;
}

std::string CleanVmErrorText(std::string_view body, const std::vector<std::string>& secrets) {
  std::string_view text = body;
  // The query API answers {"status":"error","errorType":"422","error":"…"}: its "error" is the
  // text, without the JSON escaping around it.
  std::string json_error;
  if (!text.empty() && text.front() == '{') {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("error") && j["error"].is_string()) {
      json_error = j["error"].get<std::string>();
      text = json_error;
    }
  }
  // "remoteAddr: \"…\"; requestURI: /…; <the actual error>"
  if (size_t uri = text.find("requestURI: ");
      uri != std::string_view::npos && text.substr(0, 11) == "remoteAddr:") {
    size_t sep = text.find("; ", uri);
    if (sep != std::string_view::npos) text = text.substr(sep + 2);
  }
  std::string out;
  out.reserve(std::min(text.size(), kMaxShownChars * 2));
  bool space = false;
  for (char c : text.substr(0, kMaxShownChars * 4)) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  RedactAuthSchemes(out);
  for (const std::string& s : secrets) RedactAll(out, s);
  if (out.size() > kMaxShownChars) {
    out.resize(kMaxShownChars);
    out += "…";
  }
  return out;
}

ErrorKind VmAnswerKind(int http_status, std::string_view body) {
  if (http_status == 404 || Contains(body, "missing route for") ||
      Contains(body, "unsupported path")) {
    return ErrorKind::kVmMissingRoute;
  }
  if (http_status == 429 || http_status == 401 || http_status == 403) return ErrorKind::kHttpStatus;
  // Busy, not refusing: the query queue (-search.maxConcurrentRequests, -search.maxQueueDuration)
  // or the storage's concurrent index searches are full, whatever the status (export answers 400,
  // queries 503). The same request may pass a moment later; a smaller one would wait just as long.
  // Checked first: these answers name -search.max* flags too.
  if (Contains(body, "couldn't start executing the request") ||
      Contains(body, "concurrent searches are performed")) {
    return ErrorKind::kVmBusy;
  }
  if (Contains(body, "search.maxQueryDuration") || Contains(body, "timeout exceeded") ||
      Contains(body, "context deadline exceeded")) {
    return ErrorKind::kVmQueryTimeout;
  }
  // Limits on what one request may touch: a smaller window asks for less.
  static constexpr std::string_view kTooBig[] = {"exceeds",
                                                 "too many series",
                                                 "too many time series",
                                                 "too many timeseries",
                                                 "search.max",
                                                 "cannot find tag filters matching less than"};
  if (http_status == 413 || std::any_of(std::begin(kTooBig), std::end(kTooBig),
                                        [&](std::string_view m) { return Contains(body, m); })) {
    return ErrorKind::kVmTooBig;
  }
  if (http_status == 400 || http_status == 422) return ErrorKind::kVmBadRequest;
  return ErrorKind::kHttpStatus;
}

Status StatusFromVmAnswer(int http_status, std::string_view body, const std::string& what,
                          const Connection& connection) {
  return VmAnswerStatus(http_status, body, what, connection)
      .WithKind(VmAnswerKind(http_status, body), http_status);
}

namespace {

Status VmAnswerStatus(int http_status, std::string_view body, const std::string& what,
                      const Connection& connection) {
  const std::string text = CleanVmErrorText(body, SecretsOf(connection));
  const std::string cause =
      fmt::format("HTTP {}{}{}{}", http_status, HttpReasonPhrase(http_status)[0] != '\0' ? " " : "",
                  HttpReasonPhrase(http_status), text.empty() ? "" : ": " + text);
  const std::string message = what + ": " + cause;
  const std::string base = connection.full_api_url;

  // vmauth 1.79.5 answers a wrong password or token with 400 and this text.
  if (http_status == 401 || Contains(body, "cannot find the provided auth token") ||
      Contains(body, "missing `Authorization` request header")) {
    std::string hint = "check the credentials: ";
    switch (connection.auth.type) {
      case AuthType::kNone:
        hint += "this server requires auth; choose basic, bearer or header auth";
        break;
      case AuthType::kBasic:
        hint += "the username or password is wrong";
        break;
      case AuthType::kBearer:
        hint += "the bearer token is wrong or expired";
        break;
      case AuthType::kHeader:
        hint += "the header name or value is wrong";
        break;
    }
    return Status::Unauthenticated(message, hint);
  }
  if (http_status == 403) {
    return Status(
        StatusCode::kPermissionDenied, message,
        "these credentials are valid but not allowed to read this path; ask for read access");
  }
  if (Contains(body, "missing -http.pathPrefix")) {
    const std::string prefix = QuotedAfter(body, "-http.pathPrefix=\"");
    return Status::InvalidArgument(
        message,
        prefix.empty()
            ? "add the server's -http.pathPrefix to the URL"
            : fmt::format("this server runs with -http.pathPrefix={:?}: put it in the URL, "
                          "e.g. {}{}{}",
                          prefix, connection.url, prefix,
                          prefix.find("/select/") == 0 ? "/prometheus" : ""));
  }
  if (Contains(body, "missing route for")) {
    return Status::NotFound(
        message,
        "vmauth has no route for this path for these credentials: ask its admin "
        "to route it, or use the URL it does route");
  }
  if (Contains(body, "unsupported path")) {
    std::string hint;
    if (connection.tenant_id.empty() && !connection.is_multitenant) {
      Result<NormalizedVmUrl> n = NormalizeVmUrl(connection.url);
      const std::string origin = n.ok() ? n->url : connection.url;
      hint = fmt::format(
          "if this is a cluster vmselect, add the tenant: {}/select/<tenant>/prometheus "
          "(e.g. /select/0/prometheus); for a single node, drop extra path parts",
          origin);
    } else {
      hint = fmt::format(
          "{} does not serve this path: for a single-node VictoriaMetrics use its URL "
          "without /select/<tenant>",
          base);
    }
    return Status::NotFound(message, hint);
  }
  if (http_status == 404) {
    return Status::NotFound(
        message, "check the URL's path prefix (e.g. /prometheus or /select/0/prometheus)");
  }
  if (http_status == 429) {
    return Status::Unavailable(message,
                               "the server is rate-limiting: retry later or reduce parallelism");
  }
  switch (VmAnswerKind(http_status, body)) {
    case ErrorKind::kVmBusy:
      return Status::Unavailable(
          message,
          "VictoriaMetrics is busy with other queries: retry later, or lower the "
          "export's parallelism");
    case ErrorKind::kVmQueryTimeout:
      return Status::Timeout(
          message,
          "narrow the time range or the selector, or raise the server's -search.maxQueryDuration");
    case ErrorKind::kVmTooBig:
      return Status::TooLarge(
          message,
          "narrow the time range or the selector, or raise the server's -search.max* limit");
    default:
      break;
  }
  if (http_status == 400 || http_status == 422) {
    return Status::InvalidArgument(message);
  }
  if (http_status == 502 || http_status == 503 || http_status == 504) {
    return Status::Unavailable(message,
                               "a proxy (e.g. vmauth) cannot reach VictoriaMetrics behind it, or "
                               "it is overloaded; retry later");
  }
  if (http_status >= 500) return Status::Unavailable(message);
  return Status::Unavailable(message);
}

}  // namespace

}  // namespace vmx
