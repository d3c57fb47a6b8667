// JSON replies shared by both local servers: {"error": ..., "status": ..., "hint": ...}.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace vmx {

// Writes `body` as a JSON response with the given HTTP status.
void ReplyJson(httplib::Response& res, const nlohmann::json& body, int http_status = 200);

// Writes an error response for `status`: HTTP code from the status, {"error","status","hint"}.
void ReplyError(httplib::Response& res, const Status& status);

// Parses a request body as a JSON object; the error names what is wrong with it.
Result<nlohmann::json> ParseJsonBody(const httplib::Request& req);

}  // namespace vmx
