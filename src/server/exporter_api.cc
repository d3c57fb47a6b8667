#include "server/exporter_api.h"

#include <sys/utsname.h>

#include <algorithm>

#include "application/export/staging_area.h"
#include "common/api_response.h"
#include "common/version.h"
#include "infrastructure/vm/url_normalizer.h"
#include "server/discovery_api.h"
#include "server/export_api.h"
#include "server/fs_api.h"

namespace vmx {
namespace {

std::string OsName() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.machine;
}

// -vm.url as the page may see it: without user:pass@, since a password must never reach the
// browser (SPEC.md section 10). Only the user name is kept, to prefill basic auth.
struct PrefilledUrl {
  std::string url;
  std::string username;
};

PrefilledUrl PrefillOf(const std::string& vm_url) {
  PrefilledUrl out{vm_url, ""};
  const size_t scheme_end = vm_url.find("://");
  const size_t authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const size_t authority_end = std::min(vm_url.find_first_of("/?#", authority), vm_url.size());
  const size_t at = vm_url.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
  if (at == std::string::npos || at < authority) return out;
  out.url = vm_url.substr(0, authority) + vm_url.substr(at + 1);
  if (Result<NormalizedVmUrl> n = NormalizeVmUrl(vm_url); n.ok()) out.username = n->username;
  return out;
}

// Routes and the one method each answers (/api/health is the LocalServer's own).
constexpr const char* kGetRoutes[] = {"/api/config",        "/api/export/status",
                                      "/api/export/staged", "/api/export/mapping",
                                      "/api/download",      "/api/fs/list"};
constexpr const char* kPostRoutes[] = {
    "/api/validate",          "/api/discover", "/api/sample",       "/api/validate-query",
    "/api/discover-selector", "/api/export",   "/api/export/start", "/api/export/cancel",
    "/api/export/resume",     "/api/export/discard",   "/api/fs/check"};

// A known route called with the other method is 405 with Allow, as vmgather answers, not 404.
void RefuseOtherMethods(httplib::Server& server) {
  const auto refuse = [](const char* allowed) {
    return [allowed](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Allow", allowed);
      ReplyJson(res,
                {{"error", req.method + " is not allowed here; use " + allowed}, {"status", 405}},
                405);
    };
  };
  for (const char* path : kGetRoutes) server.Post(path, refuse("GET"));
  for (const char* path : kPostRoutes) server.Get(path, refuse("POST"));
}

}  // namespace

void RegisterExporterApi(httplib::Server& server, const ExporterApiOptions& options) {
  const PrefilledUrl prefill = PrefillOf(options.default_vm_url);
  server.Get("/api/config", [options, prefill](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, {{"version", std::string(Version())},
                    {"output_dir", options.output_dir},
                    {"default_staging_dir", DefaultStagingRoot()},
                    {"os", OsName()},
                    {"default_vm_url", prefill.url},
                    {"default_vm_username", prefill.username}});
  });
  RegisterDiscoveryApi(server);
  if (options.service != nullptr) {
    RegisterExportApi(server, options.service);
  } else {
    RegisterExportApi(server, options.output_dir);
  }
  RegisterFsApi(server);
  RefuseOtherMethods(server);
}

}  // namespace vmx
