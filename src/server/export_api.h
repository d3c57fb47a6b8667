// The export endpoints of the exporter's REST API (SPEC.md section 4): /api/export (synchronous),
// /api/export/start, /api/export/status, /api/export/cancel, /api/export/resume,
// /api/export/mapping (the pseudonym mapping, for the user only), /api/download.
#pragma once

#include <httplib.h>

#include <memory>

#include "application/export/export_service.h"

namespace vmx {

// Adds the export routes to `server`, backed by `service` (kept alive by the routes).
void RegisterExportApi(httplib::Server& server, std::shared_ptr<ExportService> service);

// Adds the export routes with a service writing bundles into `output_dir`.
void RegisterExportApi(httplib::Server& server, const std::string& output_dir);

}  // namespace vmx
