// The read-only endpoints of the exporter's REST API (SPEC.md section 4): POST /api/validate,
// POST /api/discover and POST /api/sample. Replies never contain a password, token or header
// value; malformed bodies get 400 naming the field.
#pragma once

#include <httplib.h>

namespace vmx {

// Adds /api/validate, /api/discover and /api/sample to `server`.
void RegisterDiscoveryApi(httplib::Server& server);

}  // namespace vmx
