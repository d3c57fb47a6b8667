#include "importer/import_target.h"

#include <fmt/format.h>

#include <regex>

#include "common/http_client.h"
#include "common/url_host.h"

namespace vmx::importer {
namespace {

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Normalises a pasted URL: scheme, no credentials (returned separately), no API part, no
// trailing slash, no query.
Result<std::string> Normalise(std::string url, std::string* user, std::string* password) {
  url = Trim(url);
  if (url.empty()) {
    return Status::InvalidArgument("the target URL is empty",
                                   "pass -url=http://victoria-metrics:8428 (or the vminsert / vmauth URL)");
  }
  if (url.find("://") == std::string::npos) url = "http://" + url;
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument(fmt::format("the target URL must start with http:// or https://"));
  }
  const size_t q = url.find_first_of("?#");
  if (q != std::string::npos) url.resize(q);
  const size_t host_start = url.find("://") + 3;
  const size_t path_start = url.find('/', host_start);
  const size_t at = url.rfind('@', path_start == std::string::npos ? std::string::npos : path_start);
  if (at != std::string::npos && at > host_start) {
    const std::string userinfo = url.substr(host_start, at - host_start);
    const size_t colon = userinfo.find(':');
    *user = userinfo.substr(0, colon);
    *password = colon == std::string::npos ? "" : userinfo.substr(colon + 1);
    url.erase(host_start, at - host_start + 1);
  }
  const size_t api = url.find("/api/v1/");
  if (api != std::string::npos) url.resize(api);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

bool ImportTarget::is_loopback() const { return IsLoopbackUrl(write_url); }

Result<ImportTarget> ResolveImportTarget(std::string url, const std::string& tenant_flag,
                                         const std::string& read_url) {
  ImportTarget t;
  Result<std::string> base = Normalise(std::move(url), &t.url_user, &t.url_password);
  if (!base.ok()) return base.status();
  const std::string tenant_flag_trimmed = Trim(tenant_flag);
  static const std::regex kTenant(R"(^\d+(:\d+)?$)");
  if (!tenant_flag_trimmed.empty() && !std::regex_match(tenant_flag_trimmed, kTenant)) {
    return Status::InvalidArgument(fmt::format("tenant {:?} is not an account ID", tenant_flag_trimmed),
                                   "use accountID or accountID:projectID, e.g. 1011 or 1011:5");
  }
  // A cluster path in the URL: .../insert/<t>[/prometheus] or .../select/<t>[/prometheus].
  static const std::regex kClusterPath(R"(^(.*)/(insert|select)/([^/]+)(/prometheus)?$)");
  std::smatch m;
  std::string root = *base;
  std::string tenant = tenant_flag_trimmed;
  if (std::regex_match(*base, m, kClusterPath)) {
    const std::string url_tenant = m[3].str();
    if (m[2].str() == "select") {
      // A vmselect serves reads only; turning the path into /insert/ on the same host and port
      // would post to a vmselect (or to whatever vmauth routes there).
      return Status::InvalidArgument(
          fmt::format("{} is a read (vmselect) URL: vmselect cannot take writes", RedactUrl(*base)),
          fmt::format("give the vminsert or vmauth URL, e.g. http://vminsert:8480/insert/{}/prometheus, and put "
                      "this URL in the read URL (-read-url) for verification",
                      url_tenant));
    }
    if (!std::regex_match(url_tenant, kTenant)) {
      return Status::InvalidArgument(
          fmt::format("the URL names tenant {:?}, which is not an account ID", url_tenant),
          "use /insert/<accountID>/prometheus, e.g. /insert/1011/prometheus");
    }
    if (!tenant.empty() && tenant != url_tenant) {
      return Status::InvalidArgument(
          fmt::format("-tenant={} disagrees with tenant {} in the URL", tenant, url_tenant),
          "give the tenant once: either in the URL or with -tenant");
    }
    tenant = url_tenant;
    root = m[1].str();
  } else if (EndsWith(root, "/prometheus")) {
    root.resize(root.size() - std::string("/prometheus").size());
  }
  t.tenant = tenant;
  if (tenant.empty()) {
    t.write_url = root + "/api/v1/import";
    t.read_base = root;
    t.metrics_urls = {root + "/metrics"};
  } else {
    t.write_url = fmt::format("{}/insert/{}/prometheus/api/v1/import", root, tenant);
    t.read_base = fmt::format("{}/select/{}/prometheus", root, tenant);
    t.metrics_urls = {fmt::format("{}/select/{}/metrics", root, tenant), root + "/metrics"};
  }
  if (!Trim(read_url).empty()) {
    std::string ignored_user;
    std::string ignored_password;
    Result<std::string> rb = Normalise(read_url, &ignored_user, &ignored_password);
    if (!rb.ok()) return rb.status().Wrap("bad verification URL");
    t.read_base = *rb;
    // The read side's own /metrics first (a single node behind it shows its retention), then
    // its root (a vmselect's /select/<t>/prometheus lives under the process root).
    static const std::regex kSelectPath(R"(^(.*)/select/[^/]+(/prometheus)?$)");
    std::smatch rm;
    const std::string read_root = std::regex_match(*rb, rm, kSelectPath) ? rm[1].str()
                                  : EndsWith(*rb, "/prometheus") ? rb->substr(0, rb->size() - 11)
                                                                 : *rb;
    t.metrics_urls.push_back(read_root + "/metrics");
  }
  return t;
}

}  // namespace vmx::importer
