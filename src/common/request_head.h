// RequestHead: the request line and header fields of one HTTP/1.1 request, read with hard bounds.
//
// The local servers read every request head themselves before any handler runs, so an attacker
// on the same machine cannot make them buffer an endless request line or header block. This file
// only finds and parses heads; ConnectionGate does the reading. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace vmx {

struct RequestHeadLimits {
  size_t max_request_line = 8 << 10;  // bytes up to and including the first CRLF
  size_t max_head = 64 << 10;         // request line and all header fields, blank line included
};

// Where the search for the end of a head stands.
enum class HeadScan {
  kNeedMore,      // no blank line yet and still within the limits
  kComplete,      // *head_size bytes hold the whole head (up to and including CRLF CRLF)
  kLineTooLong,   // the request line is longer than max_request_line (answer 414)
  kHeadTooLarge,  // the head is longer than max_head (answer 431)
  kBareLineFeed,  // a line ends in LF without CR (answer 400: parsers would disagree on it)
};

// Finds the end of a head as its bytes arrive. Feed() is given the whole buffer each time and
// looks only at bytes it has not seen, so a head sent byte by byte costs linear time.
class HeadScanner {
 public:
  explicit HeadScanner(RequestHeadLimits limits) : limits_(limits) {}
  // Scans `buf` (the bytes received so far, a prefix of the last call's `buf` or equal to it).
  // On kComplete, *head_size is the length of the head including its blank line.
  HeadScan Feed(std::string_view buf, size_t* head_size);
  // Starts over for the next request on a kept-alive connection.
  void Reset() {
    scanned_ = 0;
    line_ended_ = false;
  }

 private:
  RequestHeadLimits limits_;
  size_t scanned_ = 0;
  bool line_ended_ = false;
};

// A parsed head. Header names keep their spelling; lookups ignore case.
struct RequestHead {
  std::string method;
  std::string target;   // as sent, e.g. "/api/download?path=a.zip"
  std::string path;     // target up to '?'
  std::string version;  // "HTTP/1.1" or "HTTP/1.0"
  std::vector<std::pair<std::string, std::string>> headers;

  // The value of the first field named `name`, or nullptr.
  const std::string* Find(std::string_view name) const;
  // How many fields are named `name`.
  size_t Count(std::string_view name) const;
};

// Parses a complete head as found by ScanRequestHead. InvalidArgument says what is malformed:
// a bad request line, a field without a colon or with a control character, folded lines, or a
// path that is not plain ("%" escapes are refused so that no two parsers can read it differently).
Result<RequestHead> ParseRequestHead(std::string_view head);

}  // namespace vmx
