// vmimport's REST API (SPEC.md section 9), registered on the local server.
#pragma once

#include <httplib.h>

namespace vmx::importer {

// Adds every /api/* route of the importer to `server`.
void RegisterImporterApi(httplib::Server& server);

}  // namespace vmx::importer
