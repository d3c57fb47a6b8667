// TargetAnswer: turns a refusal from VictoriaMetrics (or vmauth in front of it) into a Status.
#pragma once

#include <string>

#include "common/status.h"

namespace vmx::importer {

// Returns true when an answer with this HTTP status is worth retrying (429 and 5xx).
bool IsRetryableStatus(int http_status);

// The error for a non-2xx answer: "<what>: the target answered HTTP <n>: <body>", with the
// status code and hint that fit (vmauth answers wrong credentials with 400 "cannot find the
// provided auth token"; that counts as unauthenticated). Credentials echoed in the body are
// masked.
Status TargetAnswerError(const std::string& what, int http_status, const std::string& body);

// Replaces "Basic <secret>" and "Bearer <secret>" in `text` with "Basic ***" / "Bearer ***".
std::string MaskCredentials(std::string text);

}  // namespace vmx::importer
