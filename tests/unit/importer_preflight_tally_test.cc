// PreflightTally: the preflight's counting stays bounded in time and memory for any timestamps
// (issue 18 item 5: nanosecond timestamps and the int64 limits used to add one map entry per
// hour of a line's span), and its retention estimate is exact for hour-aligned data.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <limits>

#include "common/line_splitter.h"
#include "importer/preflight_tally.h"

namespace vmx::importer {
namespace {

constexpr int64_t kHour = 3'600'000;

std::string Line(int series, int64_t first, int64_t last) {
  return fmt::format(
      R"({{"metric":{{"__name__":"m","s":"{}"}},"values":[1,2],"timestamps":[{},{}]}})", series,
      first, last);
}

TEST(PreflightTally, NanosecondAndInt64LimitTimestampsStayBounded) {
  PreflightTally tally;
  const auto started = std::chrono::steady_clock::now();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  tally.AddLine(Line(0, kMin, kMax), 1);
  tally.AddLine(Line(1, 1'700'000'000'000'000'000, 1'700'003'600'000'000'000), 2);
  for (int i = 0; i < 100'000; ++i) {
    // Distinct nanosecond spans: each would have been ~1e6 hourly entries.
    const int64_t first = 1'600'000'000'000'000'000 + int64_t{i} * 7'919'000'000'000;
    tally.AddLine(Line(2 + i, first, first + 3'600'000'000'000), 3 + i);
    ASSERT_LE(tally.boundaries(), PreflightTally::kMaxBoundaries + 4);
  }
  PreflightReport rep;
  tally.Finish(TimeShift{}, int64_t{31} * 24 * kHour, std::nullopt, 1'700'000'000'000, &rep);
  EXPECT_EQ(rep.samples, 2u * 100'002);
  ASSERT_TRUE(rep.samples_outside_retention.has_value());
  EXPECT_LE(*rep.samples_outside_retention, rep.samples);
  EXPECT_EQ(rep.min_ts, kMin);
  EXPECT_EQ(rep.max_ts, kMax);
  (void)rep.ToJson().dump();  // renders the int64 limits
  // Generous: the old per-hour loop took hours on the first line alone.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60));
}

TEST(PreflightTally, RetentionEstimateIsExactForHourAlignedData) {
  PreflightTally tally;
  const int64_t now = 1'000 * kHour;
  // 10 lines, each with 2 samples in one hour: hours 900..909.
  for (int h = 0; h < 10; ++h)
    tally.AddLine(Line(h, (900 + h) * kHour, (900 + h) * kHour + 60'000), h + 1);
  PreflightReport rep;
  // Cut-off at hour 905: hours 900..904 end at or before it.
  tally.Finish(TimeShift{}, 95 * kHour, std::nullopt, now, &rep);
  EXPECT_EQ(rep.samples_outside_retention, 10u);
  // Shifted by +3h, only hours 900 and 901 are still out.
  TimeShift plus3h{.mode = TimeShift::Mode::kFixed, .align_to_ms = 0, .fixed_ms = 3 * kHour};
  tally.Finish(plus3h, 95 * kHour, 2, now, &rep);
  EXPECT_EQ(rep.samples_outside_retention, 4u);
  EXPECT_EQ(rep.series_over_label_limit, 0u);
  tally.Finish(plus3h, 95 * kHour, 1, now, &rep);
  EXPECT_EQ(rep.series_over_label_limit, 10u);
}

TEST(PreflightTally, BadValuesCountAsMalformedLikeTheImport) {
  PreflightTally tally;
  tally.AddLine(R"({"metric":{"__name__":"a"},"values":[true],"timestamps":[1700000000000]})", 3);
  tally.AddLine(R"({"metric":{"__name__":"a"},"values":["1"],"timestamps":[1700000000000]})", 5);
  tally.AddBadLine(9, Status::TooLarge("line is 5000 bytes"));
  PreflightReport rep;
  tally.Finish(TimeShift{}, std::nullopt, std::nullopt, 0, &rep);
  EXPECT_EQ(rep.malformed_lines, 3u);
  ASSERT_EQ(rep.first_malformed.size(), 3u);
  EXPECT_EQ(rep.first_malformed[0].first, 3u);
  EXPECT_EQ(rep.first_malformed[2].first, 9u);
  EXPECT_EQ(rep.samples, 0u);
}

// Blank lines count in the numbers (an editor's line numbers); an over-long line is handed over
// and skipped, and the next line is read normally.
TEST(LineSplitter, PhysicalNumbersAndOverLongLinesSetAside) {
  LineSplitter splitter(16);
  std::vector<std::pair<size_t, std::string>> lines;
  std::vector<std::pair<size_t, uint64_t>> overlong;
  splitter.SetOverlongHandler([&](std::string_view head, uint64_t bytes) {
    overlong.emplace_back(splitter.line_number(), bytes);
    EXPECT_EQ(head.substr(0, 3), "xxx");
    return Status::Ok();
  });
  const auto on_line = [&](std::string_view l) {
    lines.emplace_back(splitter.line_number(), std::string(l));
    return Status::Ok();
  };
  const std::string text = "a\n\n\r\nb\n" + std::string(40, 'x') + "\nc\n" + std::string(20, 'x');
  // Fed in small chunks so that the long line spans several.
  for (size_t i = 0; i < text.size(); i += 7)
    ASSERT_TRUE(splitter.Feed(text.substr(i, 7), on_line).ok());
  ASSERT_TRUE(splitter.Finish(on_line).ok());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], (std::pair<size_t, std::string>{1, "a"}));
  EXPECT_EQ(lines[1], (std::pair<size_t, std::string>{4, "b"}));
  EXPECT_EQ(lines[2], (std::pair<size_t, std::string>{6, "c"}));
  ASSERT_EQ(overlong.size(), 2u);
  EXPECT_EQ(overlong[0], (std::pair<size_t, uint64_t>{5, 40}));
  EXPECT_EQ(overlong[1], (std::pair<size_t, uint64_t>{7, 20}));
  EXPECT_EQ(splitter.lines(), 5u);
}

}  // namespace
}  // namespace vmx::importer
