// The read-only endpoints of the exporter's REST API (SPEC.md section 4): POST /api/validate,
// /api/discover, /api/sample, and vmgather's custom-mode pair /api/validate-query and
// /api/discover-selector. Replies never contain a password, token or header
// value; malformed bodies get 400 naming the field.
#pragma once

#include <httplib.h>

namespace vmx {

// Adds /api/validate, /api/discover, /api/sample, /api/validate-query and /api/discover-selector
// to `server`.
void RegisterDiscoveryApi(httplib::Server& server);

}  // namespace vmx
