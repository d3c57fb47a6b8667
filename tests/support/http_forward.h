// ForwardRequest: what the in-process proxies in front of a real VictoriaMetrics do with a request
// they let through: the same method, path and query, body and auth, sent on to the upstream.
#pragma once

#include <httplib.h>

#include <string>

namespace vmx::testing {

// Sends `req` on to `upstream` ("http://127.0.0.1:8428") and returns its answer (null on a
// connection error). The body goes as httplib decoded it, so Content-Encoding is not passed on.
httplib::Result ForwardRequest(const std::string& upstream, const httplib::Request& req);

}  // namespace vmx::testing
