// The bounded request head reader of both local servers: where a head ends, when it is too long,
// and which heads are refused because two parsers could read them differently.
#include "common/request_head.h"

#include <gtest/gtest.h>

#include <string>

namespace vmx {
namespace {

HeadScan ScanAll(const std::string& text, size_t* head_size, RequestHeadLimits limits = {}) {
  HeadScanner scanner(limits);
  return scanner.Feed(text, head_size);
}

TEST(RequestHead, FindsTheEndOfAHeadFedByteByByte) {
  const std::string head = "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const std::string text = head + "BODY";
  HeadScanner scanner({});
  size_t size = 0;
  for (size_t n = 1; n < head.size(); ++n) {
    ASSERT_EQ(scanner.Feed(std::string_view(text).substr(0, n), &size), HeadScan::kNeedMore) << n;
  }
  ASSERT_EQ(scanner.Feed(text, &size), HeadScan::kComplete);
  EXPECT_EQ(size, head.size());
}

TEST(RequestHead, RequestLineOver8KiBIsTooLong) {
  size_t size = 0;
  EXPECT_EQ(ScanAll("GET /" + std::string(9000, 'A'), &size), HeadScan::kLineTooLong);
  EXPECT_EQ(ScanAll("GET /" + std::string(9000, 'A') + " HTTP/1.1\r\n\r\n", &size),
            HeadScan::kLineTooLong);
  EXPECT_EQ(ScanAll("GET /" + std::string(8000, 'A') + " HTTP/1.1\r\n\r\n", &size),
            HeadScan::kComplete);
}

TEST(RequestHead, HeadOver64KiBIsTooLarge) {
  size_t size = 0;
  std::string text = "GET / HTTP/1.1\r\n";
  while (text.size() < (64 << 10)) text += "X-Filler: " + std::string(100, 'x') + "\r\n";
  EXPECT_EQ(ScanAll(text, &size), HeadScan::kHeadTooLarge);
  EXPECT_EQ(ScanAll(text + "\r\n", &size), HeadScan::kHeadTooLarge);
}

TEST(RequestHead, BareLineFeedIsRefused) {
  size_t size = 0;
  EXPECT_EQ(ScanAll("GET / HTTP/1.1\nHost: a\n\n", &size), HeadScan::kBareLineFeed);
}

TEST(RequestHead, ParsesLineAndFields) {
  Result<RequestHead> h = ParseRequestHead(
      "POST /api/download?path=a.zip HTTP/1.1\r\nHost: 127.0.0.1:8080\r\ncontent-length:  12 \r\n"
      "Cookie: a=1\r\nCookie: b=2\r\n\r\n");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->method, "POST");
  EXPECT_EQ(h->target, "/api/download?path=a.zip");
  EXPECT_EQ(h->path, "/api/download");
  EXPECT_EQ(h->version, "HTTP/1.1");
  ASSERT_NE(h->Find("Content-Length"), nullptr);
  EXPECT_EQ(*h->Find("Content-Length"), "12");
  EXPECT_EQ(h->Count("cookie"), 2u);
  EXPECT_EQ(h->Find("Origin"), nullptr);
}

TEST(RequestHead, RefusesWhatParsersCouldReadDifferently) {
  for (const char* bad : {
           "GET /%61pi/config HTTP/1.1\r\n\r\n",        // decodes to /api/config after our checks
           "GET /api#/../x HTTP/1.1\r\n\r\n",           // httplib drops the fragment
           "GET  /api/health HTTP/1.1\r\n\r\n",         // two spaces
           "GET http://x/api/health HTTP/1.1\r\n\r\n",  // absolute form
           "get / HTTP/1.1\r\n\r\n",                    // lower-case method
           "GET / HTTP/2.0\r\n\r\n",
           "GET / HTTP/1.1\r\n folded\r\n\r\n",
           "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
           "GET / HTTP/1.1\r\nX-A: a\x01z\r\n\r\n",
           "\r\nGET / HTTP/1.1\r\n\r\n",
       }) {
    EXPECT_FALSE(ParseRequestHead(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace vmx
