#include "server/exporter_api.h"

#include <sys/utsname.h>

#include <filesystem>

#include "common/api_response.h"
#include "common/version.h"
#include "server/discovery_api.h"
#include "server/export_api.h"

namespace vmx {
namespace {

std::string OsName() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.machine;
}

}  // namespace

void RegisterExporterApi(httplib::Server& server, const ExporterApiOptions& options) {
  server.Get("/api/config", [options](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, {{"version", std::string(Version())},
                    {"output_dir", options.output_dir},
                    {"default_staging_dir",
                     (std::filesystem::temp_directory_path() / "vmexporter-staging").string()},
                    {"os", OsName()},
                    {"default_vm_url", options.default_vm_url}});
  });
  RegisterDiscoveryApi(server);
  RegisterExportApi(server, options.output_dir);
}

}  // namespace vmx
