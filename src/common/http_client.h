// HttpClient: the one outbound HTTP client of the project (libcurl underneath).
//
// Used by the exporter's VictoriaMetrics client and by vmimport. Handles basic/bearer/custom
// header auth, TLS (system CAs, skip-verify, CA file, client certificate), HTTPS_PROXY/HTTP_PROXY/
// NO_PROXY (libcurl reads them), connection reuse, a connect timeout, and a stall timeout instead
// of a total timeout for streams. Never logs credentials.
//
// Thread-safe: calls may run concurrently; each borrows its own curl handle from a pool, and the
// handles share one connection cache.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace vmx {

struct HttpClientOptions {
  std::string basic_user;  // empty: no basic auth
  std::string basic_password;
  std::string bearer_token;  // empty: none
  std::string header_name;   // one custom header (e.g. "X-Scope-OrgID"); empty: none
  std::string header_value;
  bool tls_skip_verify = false;
  std::string tls_ca_file;    // PEM; empty: system CAs
  std::string tls_cert_file;  // client certificate (PEM)
  std::string tls_key_file;
  std::chrono::milliseconds connect_timeout{10'000};
  // A transfer with no byte received for this long is aborted (streams are never capped in total).
  std::chrono::milliseconds stall_timeout{120'000};
  // Overall cap for non-streaming calls; 0 means none.
  std::chrono::milliseconds total_timeout{0};
  std::string user_agent;  // default "vmexporter/<version>"
  // Non-streaming calls fail with TooLarge above this body size (0: 256 MiB).
  size_t max_response_bytes = 256u << 20;
  // Ask for gzip-compressed responses. kAuto asks everywhere except on loopback, where compressing
  // only costs CPU on both ends (measured: the export benchmark spends more time inflating and
  // deflating than VictoriaMetrics spends serving).
  enum class Compression { kAuto, kAlways, kNever };
  Compression response_compression = Compression::kAuto;
  // When set and it turns true, calls in flight stop within about a second (libcurl's progress
  // callback runs at least once a second, even on a silent connection) with Status::Canceled.
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
  int status = 0;
  std::string body;  // for streamed calls: only a non-2xx body (first 64 KiB)
  std::string content_type;
};

using FormFields = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  // Receives the response body piece by piece; return false to abort the transfer.
  using DataCallback = std::function<bool(std::string_view chunk)>;

  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GET `url` (query string included). Transport failures are errors whose kind() says which
  // (refused, connect timeout, stalled, reset, truncated); any HTTP status is not an error here.
  Result<HttpResponse> Get(const std::string& url);
  // POST an application/x-www-form-urlencoded body.
  Result<HttpResponse> PostForm(const std::string& url, const FormFields& form);
  // POST a body with the given content type and extra "Name: value" headers.
  Result<HttpResponse> Post(const std::string& url, std::string_view body,
                            const std::string& content_type,
                            const std::vector<std::string>& extra_headers = {});
  // POST a form and stream the 2xx response body to `on_data`. Non-2xx bodies are collected
  // into the response instead. Aborted by `on_data` -> Status::Canceled.
  Result<HttpResponse> PostFormStream(const std::string& url, const FormFields& form,
                                      const DataCallback& on_data);

  const HttpClientOptions& options() const { return options_; }

  // The curl handle pool; opaque, defined in http_client.cc.
  struct Pool;

 private:
  HttpClientOptions options_;
  std::unique_ptr<Pool> pool_;
};

// Percent-encodes `s` for a query string or form body.
std::string UrlEncode(std::string_view s);
// Encodes form fields as "a=1&b=2".
std::string EncodeForm(const FormFields& form);
// Returns `url` with any userinfo (user:pass@) and secret-looking query values replaced by "***".
std::string RedactUrl(std::string_view url);

}  // namespace vmx
