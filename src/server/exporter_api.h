// The exporter's REST API (SPEC.md section 4), registered on the local server.
#pragma once

#include <httplib.h>

#include <string>

namespace vmx {

struct ExporterApiOptions {
  std::string output_dir;      // where bundles are written
  std::string default_vm_url;  // -vm.url: prefilled in the wizard's connection step; a password
                               // in it stays here (GET /api/config sends only the user name)
};

// Adds every /api/* route of the exporter to `server`.
void RegisterExporterApi(httplib::Server& server, const ExporterApiOptions& options);

}  // namespace vmx
