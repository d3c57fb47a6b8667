#include "common/connection_gate.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <nlohmann/json.hpp>

#include "common/http_reason.h"

namespace vmx {
namespace {

using Clock = std::chrono::steady_clock;

// Bytes asked of the socket at a time while a head arrives.
constexpr size_t kReadChunk = 16 << 10;
// How often deadlines are checked; a head deadline is honoured within this much.
constexpr auto kSweepInterval = std::chrono::milliseconds(100);

// Fields whose repetition would let two readers of the head disagree on it.
constexpr std::string_view kSingleFields[] = {"Host", "Content-Length", "Transfer-Encoding",
                                              "Origin", "X-Auth-Token"};

// The body framing of `head`, or why it cannot be read safely.
Result<RequestBody> BodyOf(const RequestHead& head) {
  const std::string* te = head.Find("Transfer-Encoding");
  const std::string* cl = head.Find("Content-Length");
  RequestBody body;
  if (te != nullptr) {
    if (cl != nullptr)
      return Status::InvalidArgument("both Content-Length and Transfer-Encoding are set");
    if (strcasecmp(te->c_str(), "chunked") != 0) {
      return Status::InvalidArgument("only Transfer-Encoding: chunked is accepted");
    }
    body.framing = RequestBody::Framing::kChunked;
    return body;
  }
  if (cl != nullptr) {
    uint64_t n = 0;
    const auto [ptr, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), n);
    if (cl->empty() || ec != std::errc() || ptr != cl->data() + cl->size()) {
      return Status::InvalidArgument("Content-Length is not a number");
    }
    if (n > 0) {
      body.framing = RequestBody::Framing::kLength;
      body.length = n;
    }
  }
  return body;
}

}  // namespace

struct ConnectionGate::Connection {
  explicit Connection(int f, const RequestHeadLimits& limits) : fd(f), scanner(limits) {}
  int fd;
  std::string buf;
  HeadScanner scanner;
  Clock::time_point entered;
  Clock::time_point deadline;
};

ConnectionGate::ConnectionGate(Options options, AdmitFn admit, ServeFn serve)
    : options_(options), admit_(std::move(admit)), serve_(std::move(serve)) {}

ConnectionGate::~ConnectionGate() { Stop(); }

Status ConnectionGate::Start() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    return Status::Internal(
        fmt::format("cannot create the connection event loop: {}", strerror(errno)));
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  workers_ = std::make_unique<httplib::ThreadPool>(options_.workers);
  loop_ = std::thread([this] { Loop(); });
  started_.store(true);
  return Status::Ok();
}

void ConnectionGate::Add(int fd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_.load()) {
      accepted_.push_back(fd);
      fd = -1;
    }
  }
  if (fd >= 0) {
    ::close(fd);
    return;
  }
  Wake();
}

void ConnectionGate::Wake() {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof(one));
}

void ConnectionGate::Stop() {
  if (!started_.load()) return;
  std::call_once(stop_once_, [this] { StopOnce(); });
}

void ConnectionGate::StopOnce() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_.store(true);
    for (int fd : serving_) ::shutdown(fd, SHUT_RDWR);  // a worker blocked on it returns now
  }
  Wake();
  loop_.join();
  workers_->shutdown();
  std::lock_guard<std::mutex> lock(mu_);
  for (int fd : accepted_) ::close(fd);
  accepted_.clear();
  for (auto& c : returned_) ::close(c->fd);
  returned_.clear();
  ::close(epoll_fd_);
  ::close(wake_fd_);
}

void ConnectionGate::Loop() {
  epoll_event events[64];
  Clock::time_point next_sweep = Clock::now() + kSweepInterval;
  while (!stopping_.load()) {
    const int n = epoll_wait(epoll_fd_, events, 64, static_cast<int>(kSweepInterval.count()));
    for (int i = 0; i < n; ++i) {
      if (events[i].data.fd == wake_fd_) {
        uint64_t count = 0;
        [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &count, sizeof(count));
        continue;
      }
      OnReadable(events[i].data.fd);
    }
    Intake();
    if (Clock::now() >= next_sweep) {
      SweepDeadlines();
      next_sweep = Clock::now() + kSweepInterval;
    }
  }
  for (auto& [fd, c] : waiting_) ::close(fd);
  waiting_.clear();
}

void ConnectionGate::Intake() {
  std::vector<int> accepted;
  std::vector<std::unique_ptr<Connection>> returned;
  size_t serving = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    accepted.swap(accepted_);
    returned.swap(returned_);
    serving = serving_.size();
  }
  for (auto& c : returned) Watch(std::move(c));
  for (int fd : accepted) {
    if (waiting_.size() + serving >= options_.max_connections) EvictOldest();
    if (waiting_.size() + serving >= options_.max_connections) {
      ::close(fd);  // every slot is serving a request
      continue;
    }
    const int flags = fcntl(fd, F_GETFL, 0);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int yes = 1;
    // Headers and body go out in separate writes; Nagle would hold the second for a delayed ACK.
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    Watch(std::make_unique<Connection>(fd, options_.head));
  }
}

void ConnectionGate::Watch(std::unique_ptr<Connection> c) {
  c->entered = Clock::now();
  c->deadline = c->entered + (c->buf.empty() ? options_.idle_timeout : options_.head_timeout);
  c->scanner.Reset();
  Connection& ref = *c;
  const int fd = c->fd;
  waiting_[fd] = std::move(c);
  // A kept-alive connection may already hold the next request (pipelining).
  if (!ref.buf.empty() && Advance(ref)) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
}

void ConnectionGate::OnReadable(int fd) {
  auto it = waiting_.find(fd);
  if (it == waiting_.end()) return;
  Connection& c = *it->second;
  bool ended = false;
  for (;;) {
    const size_t room =
        options_.head.max_head > c.buf.size() ? options_.head.max_head - c.buf.size() : 0;
    if (room == 0) break;  // Advance() refuses it
    const size_t old = c.buf.size();
    const size_t want = std::min(room, kReadChunk);
    c.buf.resize(old + want);
    const ssize_t n = ::recv(fd, c.buf.data() + old, want, 0);
    c.buf.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      ended = true;  // the client closed or half-closed: what it sent may still be a request
      break;
    }
    if (n < 0) break;
    if (old == 0) c.deadline = c.entered + options_.head_timeout;
    if (static_cast<size_t>(n) < want) break;
  }
  if (!Advance(c) && ended) Close(fd);
}

bool ConnectionGate::Advance(Connection& c) {
  size_t head_size = 0;
  switch (c.scanner.Feed(c.buf, &head_size)) {
    case HeadScan::kNeedMore:
      return false;
    case HeadScan::kLineTooLong:
      Refuse(c, 414,
             Status::TooLarge(fmt::format("request line is longer than {} bytes",
                                          options_.head.max_request_line)));
      return true;
    case HeadScan::kHeadTooLarge:
      Refuse(c, 431,
             Status::TooLarge(
                 fmt::format("request headers are larger than {} bytes", options_.head.max_head)));
      return true;
    case HeadScan::kBareLineFeed:
      Refuse(c, 400, Status::InvalidArgument("request lines must end with CRLF"));
      return true;
    case HeadScan::kComplete:
      break;
  }
  Result<RequestHead> head = ParseRequestHead(std::string_view(c.buf).substr(0, head_size));
  if (!head.ok()) {
    Refuse(c, 400, head.status());
    return true;
  }
  for (std::string_view name : kSingleFields) {
    if (head->Count(name) > 1) {
      Refuse(c, 400, Status::InvalidArgument(fmt::format("header {} is repeated", name)));
      return true;
    }
  }
  Result<RequestBody> body = BodyOf(*head);
  if (!body.ok()) {
    Refuse(c, 400, body.status());
    return true;
  }
  Verdict v = admit_(*head);
  if (v.refuse_status != 0) {
    Refuse(c, v.refuse_status, v.error);
    return true;
  }
  const bool too_large =
      (body->framing == RequestBody::Framing::kLength && body->length > v.max_body_bytes) ||
      (body->framing == RequestBody::Framing::kChunked && v.max_body_bytes == 0);
  if (too_large) {
    Refuse(c, 413,
           Status::TooLarge(fmt::format("request body is larger than the limit of {} bytes for {}",
                                        v.max_body_bytes, head->path)));
    return true;
  }
  body->limit = v.max_body_bytes;
  Dispatch(c, head_size, *head, *body);
  return true;
}

void ConnectionGate::Refuse(Connection& c, int http_status, const Status& error) {
  nlohmann::json j = {{"error", error.message()}, {"status", http_status}};
  if (!error.hint().empty()) j["hint"] = error.hint();
  const std::string body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string answer = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: "
      "close\r\n"
      "Cache-Control: no-store\r\n\r\n{}",
      http_status, HttpReasonPhrase(http_status), body.size(), body);
  // The answer is small and the socket's send buffer empty: one non-blocking send delivers it.
  [[maybe_unused]] const ssize_t n =
      ::send(c.fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  spdlog::debug("refused a request before reading its body: {} {}", http_status, error.message());
  ::shutdown(c.fd, SHUT_WR);
  Close(c.fd);
}

void ConnectionGate::Dispatch(Connection& c, size_t head_size, const RequestHead& head,
                              RequestBody body) {
  const int fd = c.fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  std::unique_ptr<Connection> owned = std::move(waiting_[fd]);
  waiting_.erase(fd);
  {
    std::lock_guard<std::mutex> lock(mu_);
    serving_.insert(fd);
  }
  const bool http10_close = head.version == "HTTP/1.0";
  auto task = [this, conn = std::shared_ptr<Connection>(std::move(owned)), head_size, body,
               http10_close] {
    RequestStream stream(conn->fd, std::move(conn->buf), head_size, body, options_.io);
    if (http10_close) stream.CloseAfterRequest();
    const bool keep = !stopping_.load() && serve_(stream) && !stream.close_after_request() &&
                      stream.body_complete();
    std::lock_guard<std::mutex> lock(mu_);
    serving_.erase(conn->fd);
    if (!keep || stopping_.load()) {
      ::close(conn->fd);
      return;
    }
    auto back = std::make_unique<Connection>(conn->fd, options_.head);
    back->buf = stream.TakeRest();
    returned_.push_back(std::move(back));
    Wake();
  };
  workers_->enqueue(std::move(task));
}

void ConnectionGate::Close(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  waiting_.erase(fd);
  ::close(fd);
}

void ConnectionGate::SweepDeadlines() {
  const Clock::time_point now = Clock::now();
  std::vector<int> expired;
  for (const auto& [fd, c] : waiting_) {
    if (now >= c->deadline) expired.push_back(fd);
  }
  for (int fd : expired) {
    Connection& c = *waiting_[fd];
    if (c.buf.empty()) {
      Close(fd);  // an idle keep-alive connection
    } else {
      Refuse(c, 408,
             Status::Timeout(fmt::format("request head not received within {} ms",
                                         options_.head_timeout.count())));
    }
  }
}

void ConnectionGate::EvictOldest() {
  auto oldest = waiting_.end();
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (oldest == waiting_.end() || it->second->entered < oldest->second->entered) oldest = it;
  }
  if (oldest != waiting_.end()) Close(oldest->first);
}

}  // namespace vmx
