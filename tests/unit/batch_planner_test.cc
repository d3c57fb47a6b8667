// BatchPlanner: windows cover the range exactly once, on the grid, sized from series counts.
#include "application/export/batch_planner.h"

#include <gtest/gtest.h>

#include "application/export/export_selection.h"

namespace vmx {
namespace {

void ExpectCovers(const std::vector<TimeRange>& ws, const TimeRange& range) {
  ASSERT_FALSE(ws.empty());
  EXPECT_EQ(ws.front().start_ms, range.start_ms);
  EXPECT_EQ(ws.back().end_ms, range.end_ms);
  for (size_t i = 0; i < ws.size(); ++i) {
    EXPECT_LT(ws[i].start_ms, ws[i].end_ms);
    if (i > 0) {
      EXPECT_EQ(ws[i].start_ms, ws[i - 1].end_ms);
    }
  }
}

TEST(BatchPlanner, WindowsTileTheRangeOnTheGrid) {
  const TimeRange range{1'700'000'007'000, 1'700'000'007'000 + 8 * 3'600'000};
  const auto ws = PlanWindows(range, 3'600'000, WindowGrid{60'000, 0});
  ExpectCovers(ws, range);
  EXPECT_EQ(ws.size(), 8u);
  for (size_t i = 0; i + 1 < ws.size(); ++i) EXPECT_EQ(ws[i].end_ms % 60'000, 0) << i;
}

TEST(BatchPlanner, TinyTailIsMergedAndShortRangeIsOneWindow) {
  const TimeRange range{0, 10 * 60'000 + 1000};
  const auto ws = PlanWindows(range, 60'000, WindowGrid{});
  ExpectCovers(ws, range);
  EXPECT_EQ(ws.size(), 10u);
  EXPECT_EQ(PlanWindows({5, 17}, 1000, WindowGrid{}).size(), 1u);
}

TEST(BatchPlanner, AutoWindowShrinksWithMoreSeries) {
  const TimeRange day{0, 86'400'000};
  EXPECT_GT(AutoWindowMillis(day, 100), AutoWindowMillis(day, 100'000));
  EXPECT_GE(AutoWindowMillis(day, 100'000'000), 60'000);
  EXPECT_LE(AutoWindowMillis({0, 5000}, 1), 5000);
  // 26,922 series over 8 h: few windows (each costs VictoriaMetrics a decode of every block it
  // touches), but 4, so fetches and the assembler overlap and a failure loses a quarter at most.
  const TimeRange eight{0, 8 * 3'600'000};
  const auto ws = PlanWindows(eight, AutoWindowMillis(eight, 26'922), WindowGrid{30'000, 0});
  EXPECT_EQ(ws.size(), 4u);
  // 95k series (bench/export_bench.sh INSTANCES=24): about 24M samples per window.
  EXPECT_EQ(PlanWindows(eight, AutoWindowMillis(eight, 95'568), WindowGrid{30'000, 0}).size(), 4u);
  EXPECT_EQ(PlanWindows(eight, AutoWindowMillis(eight, 400'000), WindowGrid{30'000, 0}).size(),
            16u);
  // A million series over a day: windows of 12 minutes.
  EXPECT_EQ(AutoWindowMillis(day, 1'000'000), 720'000);
  // Up to 4M samples: one window (one line per series); above, 4 windows of at least a minute.
  EXPECT_EQ(PlanWindows(eight, AutoWindowMillis(eight, 4'000), WindowGrid{}).size(), 1u);
  EXPECT_EQ(PlanWindows(eight, AutoWindowMillis(eight, 5'000), WindowGrid{}).size(), 4u);
  EXPECT_EQ(AutoWindowMillis({0, 120'000}, 5'000'000), 60'000);
}

TEST(BatchPlanner, SplitHalvesOnTheGridUntilItCannot) {
  auto halves = SplitWindow({0, 120'000}, WindowGrid{30'000, 0});
  ASSERT_TRUE(halves);
  EXPECT_EQ(halves->first.end_ms, 60'000);
  EXPECT_EQ(halves->second.start_ms, 60'000);
  EXPECT_FALSE(SplitWindow({0, 30'000}, WindowGrid{30'000, 0}));
  EXPECT_TRUE(SplitWindow({0, 2}, WindowGrid{}));
  EXPECT_FALSE(SplitWindow({0, 1}, WindowGrid{}));
}

TEST(ExportSelection, ClusterModeSelectsAllSeriesOfTheJobs) {
  ExportConfig c;
  c.jobs = {"vmstorage"};
  EXPECT_EQ(SelectionFor(c)->match, R"({job="vmstorage"})");
  c.jobs = {"a.b", "c|d"};
  EXPECT_EQ(SelectionFor(c)->match, R"({job=~"a\\.b|c\\|d"})");
  c.jobs.clear();
  EXPECT_FALSE(SelectionFor(c).ok());
  c.mode = ExportMode::kCustom;
  c.query = "rate(x[5m])";
  c.query_type = QueryType::kMetricsQL;
  EXPECT_TRUE(SelectionFor(c)->metricsql);
}

}  // namespace
}  // namespace vmx
