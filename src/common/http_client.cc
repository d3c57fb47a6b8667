#include "common/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <mutex>

#include "common/url_host.h"
#include "common/version.h"

namespace vmx {
namespace {

// Bodies of non-2xx answers to streamed calls are kept only up to this size: enough for any
// VictoriaMetrics error text, bounded for a misbehaving proxy.
constexpr size_t kMaxStreamErrorBody = 64 * 1024;
// Idle handles kept for reuse; more concurrent calls simply create and free extra ones.
constexpr size_t kMaxPooledHandles = 16;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// State of one transfer, reached from libcurl's write callback.
struct Transfer {
  CURL* curl = nullptr;
  const HttpClient::DataCallback* on_data = nullptr;  // null: collect the body
  size_t max_body = 0;
  HttpResponse* response = nullptr;
  bool status_checked = false;
  bool stream_body = false;  // true once a 2xx status is known on a streamed call
  bool aborted_by_callback = false;
  bool body_too_large = false;
  const std::atomic<bool>* cancel = nullptr;
};

// libcurl calls this at least once a second, also while nothing arrives: a canceled job's
// silent transfer stops here instead of at the stall timeout.
int ProgressCallback(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* t = static_cast<const Transfer*>(user);
  return t->cancel != nullptr && t->cancel->load(std::memory_order_relaxed) ? 1 : 0;
}

size_t WriteCallback(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * nmemb;
  if (!t->status_checked) {
    long code = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
    t->status_checked = true;
    t->stream_body = t->on_data != nullptr && code >= 200 && code < 300;
  }
  if (t->stream_body) {
    if (!(*t->on_data)(std::string_view(data, n))) {
      t->aborted_by_callback = true;
      return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
    }
    return n;
  }
  std::string& body = t->response->body;
  if (body.size() + n > t->max_body) {
    if (t->on_data != nullptr) {  // an error body of a stream: keep its head, drop the rest
      body.append(data, t->max_body - std::min(body.size(), t->max_body));
      return n;
    }
    t->body_too_large = true;
    return 0;
  }
  body.append(data, n);
  return n;
}

// Turns a libcurl failure into a Status a person can act on, with its kind.
Status TransportError(CURLcode code, const char* method, const std::string& url, const char* detail,
                      const HttpClientOptions& options, bool connected) {
  const std::string where = fmt::format("cannot {} {}", method, RedactUrl(url));
  const std::string host = HostPortOf(url);
  std::string cause = curl_easy_strerror(code);
  if (detail != nullptr && detail[0] != '\0') cause = detail;
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      return Status::Unavailable(
                 fmt::format("{}: connection refused or host unreachable ({})", where, cause),
                 fmt::format("is VictoriaMetrics running at {}? check the host and port in the URL",
                             host))
          .WithKind(ErrorKind::kConnectRefused);
    case CURLE_COULDNT_RESOLVE_HOST:
      return Status::Unavailable(fmt::format("{}: cannot resolve host name ({})", where, cause),
                                 "check the host name in the URL for typos, and the DNS or proxy "
                                 "settings of this machine");
    case CURLE_COULDNT_RESOLVE_PROXY:
      return Status::Unavailable(fmt::format("{}: cannot resolve the proxy ({})", where, cause),
                                 "check HTTPS_PROXY / HTTP_PROXY / NO_PROXY in the environment");
    case CURLE_OPERATION_TIMEDOUT:
      if (!connected) {
        return Status::Timeout(fmt::format("{}: no connection within {} ms ({})", where,
                                           options.connect_timeout.count(), cause),
                               fmt::format("check that {} is reachable from here (firewall, "
                                           "proxy) and not overloaded",
                                           host))
            .WithKind(ErrorKind::kConnectTimeout);
      }
      return Status::Timeout(fmt::format("{}: no data for {} ms ({})", where,
                                         options.stall_timeout.count(), cause),
                             fmt::format("{} accepted the call but stopped answering; check that "
                                         "it is not overloaded",
                                         host))
          .WithKind(ErrorKind::kStalled);
    case CURLE_PEER_FAILED_VERIFICATION:
#if LIBCURL_VERSION_NUM < 0x073e00
    case CURLE_SSL_CACERT:
#endif
      return Status::Unavailable(
          fmt::format("{}: TLS certificate verification failed ({})", where, cause),
          "pass the CA that signed the server certificate with -tls-ca-file (tls_ca_file), or "
          "enable skip TLS verify if you trust this network");
    case CURLE_SSL_CONNECT_ERROR:
      return Status::Unavailable(
          fmt::format("{}: TLS handshake failed ({})", where, cause),
          "check that the URL scheme matches the server (http vs https), and the client "
          "certificate, or use -tls-ca-file / skip TLS verify");
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
      return Status::InvalidArgument(fmt::format("{}: bad TLS setup ({})", where, cause),
                                     "check the CA, certificate and key file paths and formats");
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return Status::InvalidArgument(fmt::format("{}: invalid URL ({})", where, cause),
                                     "use a URL like http://host:8428 or https://host/prefix");
    case CURLE_PARTIAL_FILE:
      return Status::Unavailable(
                 fmt::format("{}: the answer was cut short ({})", where, cause),
                 "the server or a proxy in between dropped the connection; check its logs")
          .WithKind(ErrorKind::kTruncatedBody);
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR: {
      std::string hint = "the server or a proxy in between dropped the connection; check its logs";
      // Over TLS 1.3 a server that demands a client certificate ends the connection after the
      // handshake, so the client only sees it closed.
      if (url.rfind("https://", 0) == 0 && options.tls_cert_file.empty()) {
        hint +=
            "; a server that requires a client certificate (mTLS) closes connections this way: "
            "give -tls-cert-file and -tls-key-file (tls_cert_file, tls_key_file)";
      }
      return Status::Unavailable(
                 fmt::format("{}: connection closed by the server ({})", where, cause), hint)
          .WithKind(ErrorKind::kConnectionReset);
    }
    default:
      return Status::Unavailable(fmt::format("{}: {}", where, cause));
  }
}

}  // namespace

// Reusable easy handles, each keeping its own live connections (so at most one per handle in
// use at once), plus one CURLSH sharing the DNS cache and TLS sessions, guarded by one mutex per
// shared data kind. The connection cache is not shared: libcurl does not support sharing it
// between concurrent threads (CURLSHOPT_SHARE, KNOWN_BUGS "A shared connection cache is not
// thread-safe"), where two transfers may end up on one connection; an export's windows run on
// parallel threads.
struct HttpClient::Pool {
  std::mutex mu;
  std::vector<CURL*> idle;
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;

  Pool() {
    GlobalInitOnce();
    share = curl_share_init();
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Pool::Lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Pool::Unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
  ~Pool() {
    for (CURL* c : idle) curl_easy_cleanup(c);
    curl_share_cleanup(share);
  }

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Pool*>(user)->share_locks[static_cast<size_t>(data) % CURL_LOCK_DATA_LAST].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Pool*>(user)->share_locks[static_cast<size_t>(data) % CURL_LOCK_DATA_LAST].unlock();
  }

  CURL* Borrow() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!idle.empty()) {
        CURL* c = idle.back();
        idle.pop_back();
        return c;
      }
    }
    return curl_easy_init();
  }
  void Return(CURL* c) {
    curl_easy_reset(c);  // keeps the handle's live connections, forgets options
    std::lock_guard<std::mutex> lock(mu);
    if (idle.size() < kMaxPooledHandles) {
      idle.push_back(c);
      return;
    }
    curl_easy_cleanup(c);
  }
};

namespace {

// Returns the handle to the pool however the call ends.
class BorrowedHandle {
 public:
  explicit BorrowedHandle(HttpClient::Pool* pool) : pool_(pool), curl_(pool->Borrow()) {}
  ~BorrowedHandle() {
    if (curl_ != nullptr) pool_->Return(curl_);
  }
  BorrowedHandle(const BorrowedHandle&) = delete;
  BorrowedHandle& operator=(const BorrowedHandle&) = delete;
  CURL* get() const { return curl_; }

 private:
  HttpClient::Pool* pool_;
  CURL* curl_;
};

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void Add(const std::string& h) { list = curl_slist_append(list, h.c_str()); }
};

enum class Method { kGet, kPost };

}  // namespace

HttpClient::HttpClient(HttpClientOptions options)
    : options_(std::move(options)), pool_(std::make_unique<Pool>()) {
  if (options_.user_agent.empty()) options_.user_agent = "vmexporter/" + std::string(Version());
  if (options_.max_response_bytes == 0) options_.max_response_bytes = 256u << 20;
}

HttpClient::~HttpClient() = default;

namespace {

Result<HttpResponse> Perform(HttpClient::Pool* pool, const HttpClientOptions& o, Method method,
                             const std::string& url, std::string_view body,
                             const std::string& content_type,
                             const std::vector<std::string>& extra_headers,
                             const HttpClient::DataCallback* on_data) {
  const char* verb = method == Method::kGet ? "GET" : "POST";
  if (HasLineBreak(o.header_name) || HasLineBreak(o.header_value) || HasLineBreak(o.bearer_token)) {
    return Status::InvalidArgument("auth header values must not contain line breaks");
  }
  if (!o.header_name.empty() && o.header_name.find_first_of(": \t") != std::string::npos) {
    return Status::InvalidArgument(
        fmt::format("custom header name {:?} must not contain ':' or spaces", o.header_name));
  }
  BorrowedHandle handle(pool);
  CURL* c = handle.get();
  if (c == nullptr) return Status::Internal("cannot create a libcurl handle");

  HttpResponse response;
  Transfer transfer{.curl = c,
                    .on_data = on_data,
                    .max_body = on_data != nullptr ? kMaxStreamErrorBody : o.max_response_bytes,
                    .response = &response,
                    .cancel = o.cancel};
  char error_buffer[CURL_ERROR_SIZE] = {0};
  HeaderList headers;

  curl_easy_setopt(c, CURLOPT_SHARE, pool->share);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM-based DNS timeouts
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_USERAGENT, o.user_agent.c_str());
  using Compression = HttpClientOptions::Compression;
  if (o.response_compression == Compression::kAlways ||
      (o.response_compression == Compression::kAuto && !IsLoopbackUrl(url))) {
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate: exports compress ~10x
  } else {
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, nullptr);  // a pooled handle may have had it on
  }
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024);  // fewer, larger reads of long streams
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
  if (o.stall_timeout.count() > 0) {
    // Less than 1 byte/s for the stall period aborts; a long healthy stream never does.
    const long seconds =
        std::max<long>(1, static_cast<long>((o.stall_timeout.count() + 999) / 1000));
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, seconds);
  }
  if (on_data == nullptr && o.total_timeout.count() > 0) {
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o.total_timeout.count()));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteCallback);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  if (o.cancel != nullptr) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &ProgressCallback);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &transfer);
  }

  // Auth. Values go only into libcurl, never into messages or logs.
  if (!o.basic_user.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, o.basic_user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, o.basic_password.c_str());
  }
  if (!o.bearer_token.empty()) headers.Add("Authorization: Bearer " + o.bearer_token);
  if (!o.header_name.empty()) headers.Add(o.header_name + ": " + o.header_value);
  for (const std::string& h : extra_headers) {
    if (HasLineBreak(h))
      return Status::InvalidArgument("request headers must not contain line breaks");
    headers.Add(h);
  }

  // TLS.
  if (o.tls_skip_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!o.tls_ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, o.tls_ca_file.c_str());
  if (!o.tls_cert_file.empty()) curl_easy_setopt(c, CURLOPT_SSLCERT, o.tls_cert_file.c_str());
  if (!o.tls_key_file.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, o.tls_key_file.c_str());

  if (method == Method::kPost) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    headers.Add("Content-Type: " + content_type);
    headers.Add("Expect:");  // no 100-continue round trip: VictoriaMetrics never needs it
  } else {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  }
  if (headers.list != nullptr) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.list);

  const auto started = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  response.status = static_cast<int>(code);
  if (spdlog::should_log(spdlog::level::debug)) {
    // -debug: which call and how it went; the kind of auth but never a credential, and the URL
    // redacted (credentials were split off, but a query may still carry an auth parameter).
    const std::string auth = !o.header_name.empty()    ? "header " + o.header_name
                             : !o.bearer_token.empty() ? "bearer"
                             : !o.basic_user.empty()   ? "basic"
                                                       : "none";
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    spdlog::debug("{} {} -> {} ({}, auth {}, {} ms)", verb, RedactUrl(url), code,
                  rc == CURLE_OK ? "ok" : curl_easy_strerror(rc), auth, ms.count());
  }
  char* ct = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != nullptr) {
    response.content_type = ct;
  }
  if (transfer.aborted_by_callback || rc == CURLE_ABORTED_BY_CALLBACK) {
    return Status::Canceled(fmt::format("{} {} was stopped by its reader", verb, RedactUrl(url)));
  }
  if (transfer.body_too_large) {
    return Status::TooLarge(fmt::format("cannot {} {}: response is larger than {} bytes", verb,
                                        RedactUrl(url), o.max_response_bytes),
                            "narrow the time range or the selector");
  }
  if (rc != CURLE_OK) {
    // A reused connection has no connect time of its own; the request got as far as sending
    // (pretransfer) once a connection stood, fresh or reused.
    curl_off_t connect_us = 0, pretransfer_us = 0;
    curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect_us);
    curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
    return TransportError(rc, verb, url, error_buffer, o, connect_us > 0 || pretransfer_us > 0);
  }
  return response;
}

}  // namespace

Result<HttpResponse> HttpClient::Get(const std::string& url) {
  return Perform(pool_.get(), options_, Method::kGet, url, {}, {}, {}, nullptr);
}

Result<HttpResponse> HttpClient::PostForm(const std::string& url, const FormFields& form) {
  const std::string body = EncodeForm(form);
  return Perform(pool_.get(), options_, Method::kPost, url, body,
                 "application/x-www-form-urlencoded", {}, nullptr);
}

Result<HttpResponse> HttpClient::Post(const std::string& url, std::string_view body,
                                      const std::string& content_type,
                                      const std::vector<std::string>& extra_headers) {
  return Perform(pool_.get(), options_, Method::kPost, url, body, content_type, extra_headers,
                 nullptr);
}

Result<HttpResponse> HttpClient::PostFormStream(const std::string& url, const FormFields& form,
                                                const DataCallback& on_data) {
  const std::string body = EncodeForm(form);
  return Perform(pool_.get(), options_, Method::kPost, url, body,
                 "application/x-www-form-urlencoded", {}, &on_data);
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (unsigned char ch : s) {
    if (std::isalnum(ch) != 0 || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 15]);
    }
  }
  return out;
}

std::string EncodeForm(const FormFields& form) {
  std::string out;
  for (const auto& [name, value] : form) {
    if (!out.empty()) out.push_back('&');
    out += UrlEncode(name);
    out.push_back('=');
    out += UrlEncode(value);
  }
  return out;
}

namespace {

bool IsSecretQueryKey(std::string_view key) {
  std::string k(key);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char ch) { return std::tolower(ch); });
  static constexpr std::string_view kWords[] = {"pass", "token",      "secret",    "key",
                                                "auth", "credential", "signature", "sig"};
  return std::any_of(std::begin(kWords), std::end(kWords),
                     [&](std::string_view w) { return k.find(w) != std::string::npos; });
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  std::string out;
  size_t scheme_end = url.find("://");
  size_t auth_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  size_t path_start = url.find_first_of("/?#", auth_start);
  std::string_view authority = url.substr(
      auth_start, path_start == std::string_view::npos ? url.npos : path_start - auth_start);
  out.append(url.substr(0, auth_start));
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    out.append("***@");
    authority.remove_prefix(at + 1);
  }
  out.append(authority);
  if (path_start == std::string_view::npos) return out;
  std::string_view rest = url.substr(path_start);
  size_t q = rest.find('?');
  if (q == std::string_view::npos) {
    out.append(rest);
    return out;
  }
  out.append(rest.substr(0, q + 1));
  std::string_view query = rest.substr(q + 1);
  std::string_view fragment;
  if (size_t hash = query.find('#'); hash != std::string_view::npos) {
    fragment = query.substr(hash);
    query = query.substr(0, hash);
  }
  bool first = true;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (!first) out.push_back('&');
    first = false;
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && IsSecretQueryKey(pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1));
      out.append("***");
    } else {
      out.append(pair);
    }
  }
  out.append(fragment);
  return out;
}

}  // namespace vmx
