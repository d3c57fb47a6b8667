#include "importer/importer_api.h"

#include "common/api_response.h"
#include "common/version.h"

namespace vmx::importer {

void RegisterImporterApi(httplib::Server& server) {
  server.Get("/api/config", [](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, {{"version", std::string(Version())}});
  });
}

}  // namespace vmx::importer
