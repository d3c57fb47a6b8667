#include "importer/target_answer.h"

#include <fmt/format.h>

#include <regex>

namespace vmx::importer {

bool IsRetryableStatus(int http_status) { return http_status == 429 || http_status >= 500; }

std::string MaskCredentials(std::string text) {
  static const std::regex kSecret(R"((Basic|Bearer)\s+[^\s"',;]+)", std::regex::icase);
  return std::regex_replace(text, kSecret, "$1 ***");
}

Status TargetAnswerError(const std::string& what, int http_status, const std::string& body) {
  std::string text = MaskCredentials(body.substr(0, 512));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) text.pop_back();
  const std::string msg = fmt::format("{}: the target answered HTTP {}: {}", what, http_status, text);
  const bool vmauth_refusal = text.find("auth token") != std::string::npos ||
                              text.find("missing `Authorization`") != std::string::npos;
  if (http_status == 401 || http_status == 403 || vmauth_refusal) {
    return Status::Unauthenticated(msg, "check the username/password, bearer token or header; the target refused them");
  }
  if (IsRetryableStatus(http_status)) {
    return Status::Unavailable(msg, "the target is overloaded or failing; try again later or lower -concurrency");
  }
  if (http_status == 404 || text.find("missing route") != std::string::npos ||
      text.find("unsupported path") != std::string::npos) {
    return Status::InvalidArgument(
        msg, "check the URL: give a single-node, vminsert or vmauth URL, and the tenant for a cluster");
  }
  return Status::InvalidArgument(msg);
}

}  // namespace vmx::importer
