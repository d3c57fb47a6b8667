#include "common/request_head.h"

#include <fmt/format.h>
#include <strings.h>

namespace vmx {
namespace {

bool IsTokenChar(unsigned char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

Status ParseRequestLine(std::string_view line, RequestHead* head) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Status::InvalidArgument("malformed request line; expected METHOD /path HTTP/1.1");
  }
  head->method = line.substr(0, sp1);
  head->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  head->version = line.substr(sp2 + 1);
  if (head->method.empty()) return Status::InvalidArgument("request line has no method");
  for (unsigned char c : head->method) {
    if (c < 'A' || c > 'Z')
      return Status::InvalidArgument("request method must be upper-case letters");
  }
  if (head->version != "HTTP/1.1" && head->version != "HTTP/1.0") {
    return Status::InvalidArgument("only HTTP/1.1 and HTTP/1.0 are served");
  }
  if (head->target.empty() || head->target.front() != '/') {
    return Status::InvalidArgument("request target must be a path starting with /");
  }
  for (unsigned char c : head->target) {
    if (c <= 0x20 || c == 0x7f || c == '#') {
      return Status::InvalidArgument("request target holds a control character, a space or '#'");
    }
  }
  head->path = head->target.substr(0, head->target.find('?'));
  // httplib decodes "%xx" in the path after we decided on it; a path that decodes to something
  // else than it reads ("/%61pi/config") would slip past the checks made on the raw text.
  if (head->path.find('%') != std::string::npos) {
    return Status::InvalidArgument("percent-encoded request paths are not served");
  }
  return Status::Ok();
}

Status ParseField(std::string_view line, RequestHead* head) {
  if (line.front() == ' ' || line.front() == '\t') {
    return Status::InvalidArgument("folded header lines are not accepted");
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument("header line without a field name and colon");
  }
  const std::string_view name = line.substr(0, colon);
  for (unsigned char c : name) {
    if (!IsTokenChar(c))
      return Status::InvalidArgument("header field name holds an invalid character");
  }
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return Status::InvalidArgument(fmt::format("header {} holds a control character", name));
    }
  }
  head->headers.emplace_back(std::string(name), std::string(value));
  return Status::Ok();
}

}  // namespace

HeadScan HeadScanner::Feed(std::string_view buf, size_t* head_size) {
  for (; scanned_ < buf.size(); ++scanned_) {
    if (buf[scanned_] != '\n') continue;
    if (scanned_ == 0 || buf[scanned_ - 1] != '\r') return HeadScan::kBareLineFeed;
    if (!line_ended_) {
      line_ended_ = true;
      if (scanned_ + 1 > limits_.max_request_line) return HeadScan::kLineTooLong;
    }
    if (scanned_ >= 3 && buf.substr(scanned_ - 3, 4) == "\r\n\r\n") {
      if (scanned_ + 1 > limits_.max_head) return HeadScan::kHeadTooLarge;
      *head_size = scanned_ + 1;
      ++scanned_;
      return HeadScan::kComplete;
    }
  }
  if (!line_ended_ && buf.size() >= limits_.max_request_line) return HeadScan::kLineTooLong;
  if (buf.size() >= limits_.max_head) return HeadScan::kHeadTooLarge;
  return HeadScan::kNeedMore;
}

const std::string* RequestHead::Find(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return &v;
  }
  return nullptr;
}

size_t RequestHead::Count(std::string_view name) const {
  size_t n = 0;
  for (const auto& field : headers) n += EqualsIgnoreCase(field.first, name) ? 1 : 0;
  return n;
}

Result<RequestHead> ParseRequestHead(std::string_view text) {
  if (text.size() < 4 || text.substr(text.size() - 4) != "\r\n\r\n") {
    return Status::InvalidArgument("request head does not end with an empty line");
  }
  text.remove_suffix(2);  // the blank line; every line below ends with CRLF
  RequestHead head;
  size_t pos = 0;
  bool first = true;
  while (pos < text.size()) {
    const size_t end = text.find("\r\n", pos);
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 2;
    if (line.empty()) return Status::InvalidArgument("empty line before the request line");
    Status s = first ? ParseRequestLine(line, &head) : ParseField(line, &head);
    if (!s.ok()) return s;
    first = false;
  }
  if (first) return Status::InvalidArgument("empty request");
  return head;
}

}  // namespace vmx
