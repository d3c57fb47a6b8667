// StagingJournal: the manifest is written when a run starts, each completed window is one
// appended line, a torn last line is ignored, and completed splits are carved out of the plan.
#include "application/export/staging_journal.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "application/export/staging_area.h"

namespace vmx {
namespace {

namespace fs = std::filesystem;

class StagingJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("vmx-journal-test-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    Result<StagingArea> area = StagingArea::Open(root_.string(), "job1");
    ASSERT_TRUE(area.ok()) << area.status().ToString();
    dir_ = area->dir();
  }
  void TearDown() override { fs::remove_all(root_); }
  static JournalWindow Done(UnixMillis a, UnixMillis b, uint64_t samples) {
    return {{a, b}, true, {{"samples", samples}, {"deflated_bytes", 1}}};
  }
  fs::path root_;
  std::string dir_;
};

TEST_F(StagingJournalTest, AppendsOneLinePerWindowAndFoldsThemIn) {
  StagingJournal journal(dir_);
  ASSERT_TRUE(
      journal.Compact({{"job_id", "job1"}}, {{{0, 100}, false, {}}, {{100, 200}, false, {}}}).ok());
  const auto manifest_size = fs::file_size(dir_ + "/manifest.json");
  ASSERT_TRUE(journal.Append(Done(0, 50, 5)).ok());
  ASSERT_TRUE(journal.Append(Done(100, 200, 7)).ok());
  EXPECT_EQ(fs::file_size(dir_ + "/manifest.json"), manifest_size)
      << "a completed window never rewrites the manifest";
  std::ofstream(dir_ + "/journal.jsonl", std::ios::app)
      << R"({"start_ms":50,"end_ms":1)";  // torn by a crash

  Result<nlohmann::json> loaded = StagingJournal::Load(dir_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const std::vector<JournalWindow> w = StagingJournal::WindowsOf(*loaded);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].range.start_ms, 0);
  EXPECT_EQ(w[0].range.end_ms, 50);
  EXPECT_TRUE(w[0].completed);
  EXPECT_EQ(w[0].record["samples"], 5);
  EXPECT_EQ(w[1].range.start_ms, 50) << "the rest of the split window stays pending";
  EXPECT_FALSE(w[1].completed);
  EXPECT_TRUE(w[2].completed);
  EXPECT_EQ((*loaded)["job_id"], "job1");

  // Compaction folds the journal into the manifest and empties it.
  ASSERT_TRUE(journal.Compact({{"job_id", "job1"}}, w).ok());
  EXPECT_EQ(fs::file_size(dir_ + "/journal.jsonl"), 0u);
  EXPECT_EQ(StagingJournal::WindowsOf(*StagingJournal::Load(dir_)).size(), 3u);
}

TEST_F(StagingJournalTest, FilesArePrivateAndSymlinksAreNotFollowed) {
  StagingJournal journal(dir_);
  ASSERT_TRUE(journal.Compact({}, {}).ok());
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir_ + "/manifest.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string victim = root_.string() + "/victim";
  std::ofstream(victim) << "keep";
  fs::remove(dir_ + "/journal.jsonl");
  fs::create_symlink(victim, dir_ + "/journal.jsonl");
  EXPECT_FALSE(journal.Append(Done(0, 1, 1)).ok());
  std::ifstream in(victim);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "keep");
}

TEST(CarveWindows, CompletedPartsReplaceTheirShareOfThePlan) {
  const std::vector<JournalWindow> plan = {{{0, 100}, false, {}},
                                           {{100, 200}, true, {{"samples", 1}}}};
  const std::vector<JournalWindow> done = {{{25, 50}, true, {}}, {{75, 100}, true, {}}};
  const std::vector<JournalWindow> w = CarveWindows(plan, done);
  std::vector<std::pair<UnixMillis, bool>> got;
  for (const JournalWindow& x : w) got.emplace_back(x.range.start_ms, x.completed);
  const std::vector<std::pair<UnixMillis, bool>> want = {
      {0, false}, {25, true}, {50, false}, {75, true}, {100, true}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(w.back().range.end_ms, 200);
}

}  // namespace
}  // namespace vmx
