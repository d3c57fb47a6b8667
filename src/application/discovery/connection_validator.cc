#include "application/discovery/connection_validator.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "application/discovery/component_discovery.h"
#include "common/http_client.h"
#include "infrastructure/vm/url_normalizer.h"
#include "infrastructure/vm/vm_client.h"

namespace vmx {
namespace {

// A connection check should answer in seconds, not hang on a black-holed host.
HttpClientOptions ValidationTransport() {
  HttpClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(5'000);
  o.stall_timeout = std::chrono::milliseconds(20'000);
  o.total_timeout = std::chrono::milliseconds(30'000);
  return o;
}

std::string QuotedAfter(const std::string& text, const std::string& marker) {
  size_t pos = text.find(marker);
  if (pos == std::string::npos) return {};
  pos += marker.size();
  size_t end = text.find('"', pos);
  return end == std::string::npos ? std::string() : text.substr(pos, end - pos);
}

// Candidate connections for the same pasted URL, built from the base one.
Result<Connection> WithBase(const Connection& base, const std::string& api_base_path) {
  Connection c = base;
  c.api_base_path = api_base_path;
  c.tenant_id.clear();
  c.is_multitenant = false;
  c.full_api_url.clear();
  return NormalizeConnection(c);
}

bool IsManagedPath(const Connection& c) {
  // "/<tenant>/prometheus", "/<tenant>/rw/prometheus", "/<tenant>/r/prometheus"
  return !c.tenant_id.empty() && c.api_base_path.rfind("/select/", 0) != 0;
}

}  // namespace

ValidationReport ValidateConnection(const Connection& input) {
  ValidationReport report;
  Result<NormalizedVmUrl> parsed =
      NormalizeVmUrl(input.url.empty() ? input.full_api_url : input.url);
  Result<Connection> normalized = NormalizeConnection(input);
  if (!normalized.ok()) {
    report.status = normalized.status();
    report.stage = "url";
    return report;
  }
  if (parsed.ok()) {
    report.notes = parsed->notes;
    if (parsed->needs_tenant && normalized->api_base_path.empty()) report.hint = parsed->hint;
  }

  std::vector<Connection> candidates = {*normalized};
  const bool ambiguous = normalized->api_base_path.empty() && normalized->tenant_id.empty() &&
                         !normalized->is_multitenant;
  if (ambiguous) {
    // A bare host may be a cluster vmselect: its default tenant is the usual guess.
    if (Result<Connection> alt = WithBase(*normalized, "/select/0/prometheus"); alt.ok()) {
      if (parsed.ok() && parsed->needs_tenant) {
        candidates.insert(candidates.begin(), *alt);  // port 8481: vmselect is the likelier reading
      } else {
        candidates.push_back(*alt);
      }
    }
  }

  Status first_error;
  std::string failed_stage;
  std::optional<Connection> working;
  for (size_t i = 0; i < candidates.size() && !working; ++i) {
    const Connection& c = candidates[i];
    VmClient client(c, ValidationTransport());
    Result<nlohmann::json> probe = client.Query("1");
    ValidationAttempt attempt{.full_api_url = RedactUrl(c.full_api_url),
                              .api_base_path = c.api_base_path,
                              .ok = probe.ok(),
                              .error = "",
                              .hint = ""};
    if (probe.ok()) {
      report.attempts.push_back(attempt);
      working = c;
      break;
    }
    const Status& s = probe.status();
    attempt.error = s.message();
    attempt.hint = s.hint();
    report.attempts.push_back(attempt);
    if (first_error.ok()) first_error = s;
    if (s.code() == StatusCode::kUnauthenticated || s.code() == StatusCode::kPermissionDenied) {
      first_error = s;
      failed_stage = "auth";
      break;
    }
    if (s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kTimeout) {
      // The host itself does not answer (or a proxy cannot reach its backend): other paths on
      // the same host will not either.
      first_error = s;
      failed_stage = "reachable";
      break;
    }
    // The server names its path prefix: that is the URL to use.
    const std::string prefix = QuotedAfter(s.message(), "-http.pathPrefix=\"");
    if (!prefix.empty()) {
      const std::string path = prefix.rfind("/select/", 0) == 0 ? prefix + "/prometheus" : prefix;
      Connection named = c;
      named.url = c.url + path;
      named.api_base_path.clear();
      named.full_api_url.clear();
      if (Result<Connection> n = NormalizeConnection(named); n.ok()) {
        const bool seen =
            std::any_of(candidates.begin(), candidates.end(),
                        [&](const Connection& x) { return x.full_api_url == n->full_api_url; });
        if (!seen) candidates.push_back(*n);
      }
    }
  }

  if (!working) {
    report.status = first_error.ok() ? Status::Unavailable("no URL variant answered") : first_error;
    report.stage = failed_stage.empty() ? "api" : failed_stage;
    if (report.status.hint().empty() && !report.hint.empty())
      report.status = report.status.WithHint(report.hint);
    return report;
  }

  report.resolved = *working;
  if (working->full_api_url != normalized->full_api_url) {
    report.notes.push_back(fmt::format("{} did not answer as an API; {} did",
                                       RedactUrl(normalized->full_api_url),
                                       RedactUrl(working->full_api_url)));
  }
  VmClient client(*working, ValidationTransport());

  // Flavour: the path says cluster or managed; an unauthenticated probe tells vmauth apart,
  // because vmauth (unlike VictoriaMetrics' own -httpAuth) names the missing header.
  const bool cluster_path =
      working->is_multitenant || working->api_base_path.rfind("/select/", 0) == 0;
  report.backend = cluster_path ? "cluster" : "single";
  if (working->auth.type != AuthType::kNone) {
    Connection anonymous = *working;
    anonymous.auth = AuthConfig{};
    Result<nlohmann::json> open = VmClient(anonymous, ValidationTransport()).Query("1");
    if (!open.ok() && open.status().code() == StatusCode::kUnauthenticated &&
        (open.status().message().find("missing `Authorization`") != std::string::npos ||
         open.status().message().find("auth token") != std::string::npos)) {
      report.behind_vmauth = true;
    }
  }
  if (IsManagedPath(*working)) {
    report.flavour = "managed";
  } else if (report.behind_vmauth) {
    report.flavour = "vmauth";
  } else {
    report.flavour = report.backend;
  }

  // Versions: buildinfo where present, vm_app_version otherwise.
  Result<nlohmann::json> build = client.BuildInfo();
  if (build.ok() && build->is_object() && build->contains("version") &&
      (*build)["version"].is_string()) {
    report.version = (*build)["version"].get<std::string>();
  }
  const UnixMillis now = NowMillis();
  DiscoveryOptions quick;
  quick.count_series = false;
  quick.max_jobs_for_metric_names = 16;
  Result<DiscoveryReport> seen = DiscoverComponents(client, TimeRange{now - 3'600'000, now}, quick);
  if (seen.ok()) {
    for (const DiscoveredComponent& d : seen->components) {
      const std::string v = seen->versions_seen.Newest(d.component);
      report.versions[d.component] = v;
      if (report.version.empty()) report.version = v;
      report.components.push_back({{"component", d.component},
                                   {"version", v},
                                   {"versions_seen", seen->versions_seen.ToJson(d.component)},
                                   {"jobs", d.jobs},
                                   {"instance_count", d.instances.size()},
                                   {"evidence", EvidenceName(d.evidence)}});
      if (d.component == "vmselect" || d.component == "vmstorage" || d.component == "vminsert") {
        if (report.backend == "single" && !cluster_path) {
          report.notes.push_back(
              "this VictoriaMetrics stores the metrics of a cluster's components");
        }
      }
    }
    if (seen->components.empty()) {
      report.notes.push_back(
          "no VictoriaMetrics component reported metrics in the last hour; step 4 searches the "
          "chosen range");
    }
  } else {
    report.notes.push_back("cannot list components: " + seen.status().message());
  }

  // Export route: managed /rw/ paths and some vmauth setups do not route /api/v1/export.
  const auto discard = [](std::string_view) { return true; };
  Status route = client.Export({"{__name__=\"vmexporter_route_probe\"}"}, now - 1000, now, discard);
  if (IsMissingExportRoute(route)) {
    report.export_route = false;
    std::optional<std::string> alt = ExportFallbackApiUrl(*working);
    bool fallback_works = false;
    if (alt) {
      Connection ac = *working;
      ac.full_api_url = *alt;
      fallback_works =
          VmClient(ac, ValidationTransport())
              .Export({"{__name__=\"vmexporter_route_probe\"}"}, now - 1000, now, discard)
              .ok();
      if (fallback_works) report.export_fallback_url = RedactUrl(*alt);
    }
    report.notes.push_back(fallback_works ? "this URL has no /api/v1/export route; exports use " +
                                                report.export_fallback_url
                                          : "this URL has no /api/v1/export route; exports fall "
                                            "back to /api/v1/query_range (slower)");
  }
  return report;
}

namespace {

// vmgather's attempt shape {endpoint, api_base_path, success, error}; our hint beside it.
nlohmann::json AttemptsJson(const std::vector<ValidationAttempt>& attempts) {
  nlohmann::json out = nlohmann::json::array();
  for (const ValidationAttempt& a : attempts) {
    nlohmann::json j = {
        {"endpoint", a.full_api_url}, {"api_base_path", a.api_base_path}, {"success", a.ok}};
    if (!a.error.empty()) j["error"] = a.error;
    if (!a.hint.empty()) j["hint"] = a.hint;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

nlohmann::json ValidationReport::ToJson() const {
  nlohmann::json versions_json = nlohmann::json::object();
  for (const auto& [c, v] : versions) versions_json[c] = v;
  // vmgather's `components` counts the instances reporting their version, `vm_components` names
  // what was found; our per-component details go under `detected_components`.
  int64_t instances = 0;
  nlohmann::json names = nlohmann::json::array();
  for (const nlohmann::json& c : components) {
    instances += c.value("instance_count", int64_t{0});
    names.push_back(c.value("component", ""));
  }
  const nlohmann::json resolved_json = ConnectionToPublicJson(resolved);
  nlohmann::json j = {{"success", true},
                      {"valid", true},
                      {"message", "Connection successful"},
                      {"ok", true},
                      {"reachable", true},
                      {"authenticated", true},
                      {"connection", resolved_json},
                      {"resolved_connection", resolved_json},
                      {"final_endpoint", RedactUrl(resolved.full_api_url)},
                      {"flavour", flavour},
                      {"backend", backend},
                      {"behind_vmauth", behind_vmauth},
                      {"is_victoria_metrics", !components.empty() || !version.empty()},
                      {"version", version},
                      {"versions", versions_json},
                      {"components", instances},
                      {"vm_components", names},
                      {"detected_components", components},
                      {"export_route", export_route},
                      {"attempts", AttemptsJson(attempts)},
                      {"notes", notes}};
  if (!export_fallback_url.empty()) j["export_fallback_url"] = export_fallback_url;
  if (!hint.empty()) j["hint"] = hint;
  return j;
}

nlohmann::json ValidationReport::ToErrorJson() const {
  nlohmann::json j = {{"success", false},
                      {"valid", false},
                      {"message", "Connection failed: " + status.message()},
                      {"error", status.message()},
                      {"failure_status", status.http_status()},
                      {"stage", stage},
                      {"attempts", AttemptsJson(attempts)},
                      {"notes", notes}};
  if (!status.hint().empty()) j["hint"] = status.hint();
  return j;
}

}  // namespace vmx
