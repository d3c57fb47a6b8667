#include "application/bundle_verifier.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "infrastructure/archive/bundle_metadata.h"
#include "infrastructure/archive/zip_bundle_writer.h"

namespace vmx {
namespace {

struct Entry {
  std::string name;
  std::string content;
};

// Writes a bundle; `metadata` gets the real per-entry checksums unless `lie_about` names one.
std::string WriteBundle(const std::string& dir, std::vector<Entry> entries, nlohmann::json metadata,
                        const std::string& lie_about = "") {
  const std::string path = dir + "/b.zip";
  auto w = ZipBundleWriter::Create(path);
  EXPECT_TRUE(w.ok());
  nlohmann::json sums = nlohmann::json::object();
  for (const Entry& e : entries) {
    EXPECT_TRUE((*w)->BeginEntry(e.name).ok());
    EXPECT_TRUE((*w)->Write(e.content).ok());
    Result<std::string> sha = (*w)->EndEntry();
    sums[e.name] = e.name == lie_about ? std::string(64, '0') : *sha;
  }
  metadata["sha256"] = sums;
  EXPECT_TRUE((*w)->BeginEntry("metadata.json").ok());
  EXPECT_TRUE((*w)->Write(metadata.dump()).ok());
  EXPECT_TRUE((*w)->EndEntry().ok());
  Result<std::string> zip_sha = (*w)->Commit();
  EXPECT_TRUE(zip_sha.ok());
  EXPECT_TRUE(WriteSha256Sidecar(path, *zip_sha).ok());
  return path;
}

const char* kClean =
    R"({"metric":{"__name__":"up","job":"vmstorage-job-1","instance":"777.777.1.1:8482"},"values":[1,NaN],"timestamps":[1,2]})" "\n"
    R"({"metric":{"__name__":"vm_rows","job":"vmstorage-job-1","instance":"777.777.1.2:8482"},"values":[3],"timestamps":[1]})" "\n";

class BundleVerifierTest : public ::testing::Test {
 protected:
  std::string dir_ = ::testing::TempDir() + "/verify-" + std::to_string(::getpid());
  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
};

bool HasFailed(const BundleVerification& v, const std::string& check) {
  for (const auto& c : v.checks) {
    if (c.name.find(check) != std::string::npos && !c.passed) return true;
  }
  return false;
}

TEST_F(BundleVerifierTest, CleanObfuscatedBundlePasses) {
  const std::string path = WriteBundle(dir_, {{"metrics.jsonl", kClean}, {"README.txt", "hi"}},
                                       {{"export_id", "x"}, {"obfuscated", true}, {"metrics_count", 2}});
  Result<BundleVerification> v = VerifyBundle(path);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok()) << v->ToText();
  EXPECT_EQ(v->lines, 2u);
  EXPECT_EQ(v->samples, 3u);
  EXPECT_NE(v->ToText().find("bundle verified"), std::string::npos);
}

TEST_F(BundleVerifierTest, TamperedEntryChecksumFails) {
  const std::string path = WriteBundle(dir_, {{"metrics.jsonl", kClean}, {"README.txt", "hi"}},
                                       {{"obfuscated", true}, {"metrics_count", 2}}, "metrics.jsonl");
  Result<BundleVerification> v = VerifyBundle(path);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok());
  EXPECT_TRUE(HasFailed(*v, "sha256 metrics.jsonl")) << v->ToText();
}

TEST_F(BundleVerifierTest, ModifiedFileFailsTheSidecar) {
  const std::string path = WriteBundle(dir_, {{"metrics.jsonl", kClean}, {"README.txt", "hi"}},
                                       {{"obfuscated", true}, {"metrics_count", 2}});
  std::ofstream(path, std::ios::app) << "x";
  Result<BundleVerification> v = VerifyBundle(path);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(HasFailed(*v, "sidecar")) << v->ToText();
}

TEST_F(BundleVerifierTest, LeftoverAddressesAreFoundWhenObfuscated) {
  const std::string leaky = std::string(kClean) +
      R"({"metric":{"__name__":"vm_rpc_x","addr":"10.0.0.5:8400","email":"ops@acme.example.com"},"values":[1],"timestamps":[1]})" "\n";
  const std::string path = WriteBundle(dir_, {{"metrics.jsonl", leaky}, {"README.txt", "hi"}},
                                       {{"obfuscated", true}, {"metrics_count", 3}});
  Result<BundleVerification> v = VerifyBundle(path);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(HasFailed(*v, "no leftover addresses")) << v->ToText();
  EXPECT_EQ(v->leftover_values, 2u);
  ASSERT_FALSE(v->leftover_examples.empty());
  EXPECT_NE(v->leftover_examples[0].find("line 3: addr=10.0.0.5:8400"), std::string::npos);
}

TEST_F(BundleVerifierTest, BadLinesAndCountMismatchFail) {
  const std::string bad = std::string(kClean) + "{\"metric\":{}, \"values\":[1]}\nnot json\n";
  const std::string path = WriteBundle(dir_, {{"metrics.jsonl", bad}, {"README.txt", "hi"}},
                                       {{"obfuscated", false}, {"metrics_count", 2}, {"lines_count", 2}});
  Result<BundleVerification> v = VerifyBundle(path);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(HasFailed(*v, "metrics.jsonl parses")) << v->ToText();
  EXPECT_TRUE(HasFailed(*v, "lines_count")) << v->ToText();
  EXPECT_NE(v->ToText().find("line 3 has no \"timestamps\""), std::string::npos) << v->ToText();
}

// A series exported in several windows has one line per window: more lines than series is fine,
// more series than lines is not.
TEST_F(BundleVerifierTest, SeriesSpreadOverWindowsCountOnce) {
  const std::string twice = std::string(kClean) + kClean;
  const std::string ok = WriteBundle(dir_, {{"metrics.jsonl", twice}, {"README.txt", "hi"}},
                                     {{"obfuscated", false}, {"metrics_count", 2}, {"lines_count", 4}});
  Result<BundleVerification> v = VerifyBundle(ok);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok()) << v->ToText();
  EXPECT_EQ(v->series, 2u);
  EXPECT_EQ(v->lines, 4u);
  EXPECT_NE(v->ToText().find("2 series in 4 lines"), std::string::npos) << v->ToText();
  const std::string bad = WriteBundle(dir_, {{"metrics.jsonl", twice}, {"README.txt", "hi"}},
                                      {{"obfuscated", false}, {"metrics_count", 5}, {"lines_count", 4}});
  Result<BundleVerification> w = VerifyBundle(bad);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(HasFailed(*w, "metrics_count")) << w->ToText();
  EXPECT_FALSE(HasFailed(*w, "lines_count")) << w->ToText();
}

TEST_F(BundleVerifierTest, MissingEntriesAndTruncatedZip) {
  const std::string path = WriteBundle(dir_, {{"metrics.jsonl", kClean}}, {{"metrics_count", 2}});
  Result<BundleVerification> v = VerifyBundle(path);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(HasFailed(*v, "entry README.txt")) << v->ToText();

  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  Result<BundleVerification> t = VerifyBundle(path);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->ok()) << t->ToText();
  EXPECT_FALSE(VerifyBundle(dir_ + "/nope.zip").ok());
}

}  // namespace
}  // namespace vmx
