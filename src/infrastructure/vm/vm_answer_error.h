// Turns a non-success answer of VictoriaMetrics, vmselect or vmauth into a Status a person can
// act on: wrong credentials (401, and vmauth 1.79.5's 400 "cannot find the provided auth token"),
// a missing tenant or path prefix, a missing route, a bad query, overload. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/connection.h"

namespace vmx {

// The error text of an answer body made safe to show: VictoriaMetrics' "remoteAddr: …; requestURI:
// …;" prefix dropped, echoed auth tokens ("Basic …", "Bearer …") and the given secrets replaced by
// "***", whitespace collapsed, at most ~300 characters.
std::string CleanVmErrorText(std::string_view body, const std::vector<std::string>& secrets);

// What kind of refusal an answer is (see ErrorKind), from its status and VictoriaMetrics' own
// error text: the body only, never a message that holds our URL.
ErrorKind VmAnswerKind(int http_status, std::string_view body);

// The Status for an HTTP answer with a non-2xx status (or a 2xx one whose JSON says
// "status":"error"). `what` says what was attempted ("cannot query http://…/api/v1/query").
// Its kind() is VmAnswerKind() and its upstream_status() the HTTP status.
Status StatusFromVmAnswer(int http_status, std::string_view body, const std::string& what,
                          const Connection& connection);

// The secrets of a connection (password, token, header value) for CleanVmErrorText.
std::vector<std::string> SecretsOf(const Connection& connection);

}  // namespace vmx
