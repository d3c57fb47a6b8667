#include "common/duration.h"

#include <gtest/gtest.h>

namespace vmx {
namespace {

TEST(Duration, VictoriaMetricsUnits) {
  EXPECT_EQ(*ParseDurationMillis("30s"), 30'000);
  EXPECT_EQ(*ParseDurationMillis("5m"), 300'000);
  EXPECT_EQ(*ParseDurationMillis("1h30m"), 5'400'000);
  EXPECT_EQ(*ParseDurationMillis("2d"), 172'800'000);
  EXPECT_EQ(*ParseDurationMillis("1w"), 604'800'000);
  EXPECT_EQ(*ParseDurationMillis("500ms"), 500);
  EXPECT_EQ(*ParseDurationMillis("1.5h"), 5'400'000);
  EXPECT_EQ(*ParseDurationMillis("90"), 90'000);
  EXPECT_EQ(*ParseDurationMillis("-1h"), -3'600'000);
}

TEST(Duration, RejectsWithExamples) {
  for (const char* bad : {"", "h", "1x", "1h-", "abc", "--1h", "1e99h"}) {
    Result<int64_t> r = ParseDurationMillis(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("1h30m"), std::string::npos) << r.status().message();
  }
}

TEST(TimeArg, RelativeAbsoluteAndUnix) {
  const int64_t now = 1'700'000'000'000;
  EXPECT_EQ(*ParseTimeArg("now", now), now);
  EXPECT_EQ(*ParseTimeArg("-24h", now), now - 86'400'000);
  EXPECT_EQ(*ParseTimeArg("now-1h", now), now - 3'600'000);
  EXPECT_EQ(*ParseTimeArg("2023-11-14T22:13:20Z", now), 1'700'000'000'000);
  EXPECT_EQ(*ParseTimeArg("2023-11-15T00:13:20.250+02:00", now), 1'700'000'000'250);
  EXPECT_EQ(*ParseTimeArg("1700000000", now), 1'700'000'000'000);
  EXPECT_EQ(*ParseTimeArg("1700000000.5", now), 1'700'000'000'500);
  Result<int64_t> bad = ParseTimeArg("yesterday", now);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("RFC 3339"), std::string::npos);
}

}  // namespace
}  // namespace vmx
