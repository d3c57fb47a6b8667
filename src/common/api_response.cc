#include "common/api_response.h"

namespace vmx {

void ReplyJson(httplib::Response& res, const nlohmann::json& body, int http_status) {
  res.status = http_status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

void ReplyError(httplib::Response& res, const Status& status) {
  nlohmann::json body = {{"error", status.message()}, {"status", status.http_status()}};
  if (!status.hint().empty()) body["hint"] = status.hint();
  ReplyJson(res, body, status.http_status());
}

Result<nlohmann::json> ParseJsonBody(const httplib::Request& req) {
  if (req.body.empty()) return Status::InvalidArgument("request body is empty; expected a JSON object");
  nlohmann::json j = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::InvalidArgument("request body is not valid JSON",
                                   "send a JSON object with Content-Type: application/json");
  }
  if (!j.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  return j;
}

}  // namespace vmx
