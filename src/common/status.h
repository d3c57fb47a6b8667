// Status and Result<T>: the one error type of the project.
//
// Errors are values. A Status carries a message written for a person ("cannot connect to
// http://host:8428: connection refused"), an optional hint saying what to do next, and a code
// that maps onto an HTTP status for the REST APIs. Thread-compatible value types.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace vmx {

// What kind of failure happened; decides the HTTP status an API answers with.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // 400: the caller sent something wrong
  kUnauthenticated,   // 401: credentials missing or wrong
  kPermissionDenied,  // 403
  kNotFound,          // 404
  kConflict,          // 409: e.g. a job in the wrong state
  kTooLarge,          // 413: a body, upload or line over its limit
  kUnavailable,       // 502: VictoriaMetrics unreachable or failing
  kTimeout,           // 504
  kCanceled,          // the user canceled
  kStorage,           // 507: our own disk is full or a directory is not writable (not retried)
  kGone,              // 410: e.g. a finished job that was dropped
  kInternal,          // 500
};

// Why a call to another server failed, set where the error is created (the HTTP client, the
// VictoriaMetrics answer parser). Retry, split and route-fallback decisions read this, never the
// message, which holds URLs, tenants and the user's text.
enum class ErrorKind {
  kUnspecified = 0,
  kConnectRefused,   // nothing listens there, or the host is unreachable
  kConnectTimeout,   // no connection within the connect timeout
  kStalled,          // connected, but no byte arrived for the stall timeout
  kConnectionReset,  // the peer closed or reset the connection during the call
  kTruncatedBody,    // a 2xx body ended early (mid-line, or before its announced length)
  kHttpStatus,       // a non-2xx answer not classified further (see upstream_status())
  kVmTooBig,         // VictoriaMetrics: too many series/samples, a -search.max* limit exceeded
  kVmBusy,           // VictoriaMetrics: its query queue or concurrent searches are full
  kVmQueryTimeout,   // VictoriaMetrics: the query ran past -search.maxQueryDuration
  kVmMissingRoute,   // no such route at this URL (404, vmauth "missing route", "unsupported path")
  kVmBadRequest,     // VictoriaMetrics refused the request itself (400/422)
};

// "connection refused", "stalled", ... for logs and status lines.
const char* ErrorKindName(ErrorKind kind);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::string hint = {})
      : code_(code), message_(std::move(message)), hint_(std::move(hint)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m, std::string h = {}) {
    return {StatusCode::kInvalidArgument, std::move(m), std::move(h)};
  }
  static Status Unauthenticated(std::string m, std::string h = {}) {
    return {StatusCode::kUnauthenticated, std::move(m), std::move(h)};
  }
  static Status PermissionDenied(std::string m, std::string h = {}) {
    return {StatusCode::kPermissionDenied, std::move(m), std::move(h)};
  }
  static Status Gone(std::string m, std::string h = {}) {
    return {StatusCode::kGone, std::move(m), std::move(h)};
  }
  static Status NotFound(std::string m, std::string h = {}) {
    return {StatusCode::kNotFound, std::move(m), std::move(h)};
  }
  static Status Conflict(std::string m, std::string h = {}) {
    return {StatusCode::kConflict, std::move(m), std::move(h)};
  }
  static Status TooLarge(std::string m, std::string h = {}) {
    return {StatusCode::kTooLarge, std::move(m), std::move(h)};
  }
  static Status Unavailable(std::string m, std::string h = {}) {
    return {StatusCode::kUnavailable, std::move(m), std::move(h)};
  }
  static Status Timeout(std::string m, std::string h = {}) {
    return {StatusCode::kTimeout, std::move(m), std::move(h)};
  }
  static Status Canceled(std::string m = "canceled by the user") {
    return {StatusCode::kCanceled, std::move(m)};
  }
  static Status Storage(std::string m, std::string h = {}) {
    return {StatusCode::kStorage, std::move(m), std::move(h)};
  }
  static Status Internal(std::string m, std::string h = {}) {
    return {StatusCode::kInternal, std::move(m), std::move(h)};
  }

  // Returns true iff this status is not an error.
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }
  // Why a call to another server failed (kUnspecified for our own errors).
  ErrorKind kind() const { return kind_; }
  // The HTTP status the other server answered with (0: none, e.g. a transport failure).
  int upstream_status() const { return upstream_status_; }
  // Returns a copy carrying `kind` and the other server's HTTP status.
  Status WithKind(ErrorKind kind, int upstream_status = 0) const {
    Status s = *this;
    s.kind_ = kind;
    s.upstream_status_ = upstream_status;
    return s;
  }

  // Returns a copy whose message is "<context>: <message>", the VictoriaMetrics way of wrapping.
  Status Wrap(const std::string& context) const {
    if (ok()) return *this;
    Status s = *this;
    s.message_ = context + ": " + message_;
    return s;
  }
  // Returns a copy carrying the given hint (keeps an existing one if `hint` is empty).
  Status WithHint(std::string hint) const {
    Status s = *this;
    if (!hint.empty()) s.hint_ = std::move(hint);
    return s;
  }

  // The HTTP status an API should answer with for this error.
  int http_status() const;
  // "message (hint: ...)" for logs and the CLI.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string hint_;
  ErrorKind kind_ = ErrorKind::kUnspecified;
  int upstream_status_ = 0;
};

// Either a value or an error Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be ok()

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The error; Status::Ok() when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace vmx
