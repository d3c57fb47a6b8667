#include "support/http_forward.h"

namespace vmx::testing {

httplib::Result ForwardRequest(const std::string& upstream, const httplib::Request& req) {
  httplib::Client up(upstream);
  up.set_read_timeout(60);
  httplib::Headers headers;
  if (req.has_header("Authorization"))
    headers.emplace("Authorization", req.get_header_value("Authorization"));
  const std::string& target = req.target;  // path and query as sent
  return req.method == "GET"
             ? up.Get(target, headers)
             : up.Post(target, headers, req.body, req.get_header_value("Content-Type"));
}

}  // namespace vmx::testing
