#include "common/status.h"

namespace vmx {

int Status::http_status() const {
  switch (code_) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kConflict:
      return 409;
    case StatusCode::kTooLarge:
      return 413;
    case StatusCode::kUnavailable:
      return 502;
    case StatusCode::kTimeout:
      return 504;
    case StatusCode::kCanceled:
      return 409;
    case StatusCode::kStorage:
      return 507;
    case StatusCode::kGone:
      return 410;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

const char* ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUnspecified:
      return "error";
    case ErrorKind::kConnectRefused:
      return "connection refused";
    case ErrorKind::kConnectTimeout:
      return "connect timeout";
    case ErrorKind::kStalled:
      return "stalled";
    case ErrorKind::kConnectionReset:
      return "connection reset";
    case ErrorKind::kTruncatedBody:
      return "truncated answer";
    case ErrorKind::kHttpStatus:
      return "HTTP error";
    case ErrorKind::kVmTooBig:
      return "too large for VictoriaMetrics";
    case ErrorKind::kVmBusy:
      return "VictoriaMetrics busy";
    case ErrorKind::kVmQueryTimeout:
      return "query timeout";
    case ErrorKind::kVmMissingRoute:
      return "missing route";
    case ErrorKind::kVmBadRequest:
      return "bad request";
  }
  return "error";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  if (hint_.empty()) return message_;
  return message_ + " (hint: " + hint_ + ")";
}

}  // namespace vmx
