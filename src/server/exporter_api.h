// The exporter's REST API (SPEC.md section 4), registered on the local server.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>

#include "application/export/export_service.h"

namespace vmx {

struct ExporterApiOptions {
  std::string output_dir;      // where bundles are written
  std::string default_vm_url;  // -vm.url: prefilled in the wizard's connection step; a password
                               // in it stays here (GET /api/config sends only the user name)
  // Runs the exports; null: one made for output_dir with default job options.
  std::shared_ptr<ExportService> service;
};

// Adds every /api/* route of the exporter to `server`.
void RegisterExporterApi(httplib::Server& server, const ExporterApiOptions& options);

}  // namespace vmx
