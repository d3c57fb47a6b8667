#include "common/url_host.h"

#include <gtest/gtest.h>

namespace vmx {
namespace {

TEST(UrlHost, HostPortWithoutSchemeCredentialsOrPath) {
  EXPECT_EQ(HostPortOf("http://u:p@vm:8428/select/0?x=1"), "vm:8428");
  EXPECT_EQ(HostPortOf("https://[::1]:8443#f"), "[::1]:8443");
  EXPECT_EQ(HostPortOf("vm.example:80/path"), "vm.example:80");
  EXPECT_EQ(HostPortOf("http://a@b@host"), "host");
}

TEST(Loopback, LoopbackHostsInAnyForm) {
  for (const char* url : {"http://127.0.0.1:8428", "http://127.0.0.1:8428/api/v1/export?x=1",
                          "https://localhost", "HTTP://LocalHost:1/", "http://[::1]:8428/select/0",
                          "http://user:p%40ss@127.1.2.3:9/", "http://127.255.255.255"}) {
    EXPECT_TRUE(IsLoopbackUrl(url)) << url;
  }
}

TEST(Loopback, EverythingElseIsRemote) {
  for (const char* url : {"http://10.0.0.1:8428", "http://127.0.0.1.example.com/", "http://localhost.evil",
                          "http://128.0.0.1", "http://127.0.0", "http://127.0.0.1.5", "http://127.0.0.1000",
                          "ftp://127.0.0.1", "127.0.0.1:8428", "http://[::2]:1", "http://[::1",
                          "http://127.0.0.1@vm.example.com/", ""}) {
    EXPECT_FALSE(IsLoopbackUrl(url)) << url;
  }
}

}  // namespace
}  // namespace vmx
