#include "support/importer_api_calls.h"

#include <httplib.h>

#include <chrono>
#include <thread>

namespace vmx::testing {

ImporterAnswer ImporterUpload(const ServerBinary& app, const std::string& bundle,
                              const nlohmann::json& config, const std::string& file_name) {
  httplib::Client cli(app.base());
  cli.set_read_timeout(60);
  const httplib::Headers headers = {{"X-Auth-Token", app.token()}};
  const httplib::MultipartFormDataItems items = {
      {"config", config.dump(), "", "application/json"},
      {"bundle", bundle, file_name, "application/octet-stream"},
  };
  httplib::Result r = cli.Post("/api/upload", headers, items);
  if (!r) return {};
  return {r->status, nlohmann::json::parse(r->body, nullptr, false)};
}

ImporterAnswer ImporterCall(const ServerBinary& app, const std::string& method,
                            const std::string& path, const nlohmann::json& body) {
  const HttpAnswer a = app.Api(method, path, body.is_null() ? "" : body.dump());
  return {a.status, nlohmann::json::parse(a.body, nullptr, false)};
}

ImporterAnswer WaitForImport(const ServerBinary& app, const std::string& id,
                             const std::function<bool(const ImporterAnswer&)>& done, int seconds) {
  ImporterAnswer st;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    st = ImporterCall(app, "GET", "/api/import/status?id=" + id);
    if (done(st)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return st;
}

bool ImportEnded(const ImporterAnswer& status) {
  return status.body.is_object() && status.body.value("state", "") != "running";
}

}  // namespace vmx::testing
