// What the staging dir tells a new process about unfinished exports, and how their settings come
// back together with the secrets given again.
#include "application/export/staged_exports.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "application/export/export_job.h"
#include "support/vm_harness.h"

namespace vmx {
namespace {

nlohmann::json Manifest(bool obfuscated, bool keyed, int64_t created_ms) {
  return {
      {"job_id", "x"},
      {"obfuscated", obfuscated},
      {"keyed", keyed},
      {"created_ms", created_ms},
      {"windows",
       {{{"start_ms", 0}, {"end_ms", 1}, {"completed", true}, {"samples", 5}},
        {{"start_ms", 1}, {"end_ms", 2}, {"completed", false}}}},
      {"config",
       {{"connection",
         {{"url", "http://127.0.0.1:8428"}, {"auth", {{"type", "basic"}, {"username", "alice"}}}}},
        {"time_range", {{"start", "2025-01-01T00:00:00Z"}, {"end", "2025-01-01T01:00:00Z"}}},
        {"mode", "custom"},
        {"query", "{job=\"vmagent\"}"},
        {"obfuscation", {{"enabled", obfuscated}, {"keyed", keyed}}}}}};
}

// Stages `manifest` as export `id`; a keyed one records the check of the key "key-1", as
// ExportJob writes it (StagedExportConfig refuses a key that does not match it).
void Stage(const std::string& root, const std::string& id, nlohmann::json manifest) {
  if (manifest.value("keyed", false)) manifest["key_check"] = StagedKeyCheck("key-1", id);
  std::filesystem::create_directories(root + "/" + id);
  std::ofstream(root + "/" + id + "/manifest.json") << manifest.dump();
}

TEST(StagedExports, ListsWhatCanBeResumedAndWhy) {
  testing::TempDir root;
  Stage(root.path(), "b-keyed", Manifest(true, true, 2));
  Stage(root.path(), "a-random", Manifest(true, false, 1));
  Stage(root.path(), "c-plain", Manifest(false, false, 3));
  std::filesystem::create_directories(root.path() + "/no-manifest");
  const std::vector<StagedExport> staged = ListStagedExports(root.path());
  ASSERT_EQ(staged.size(), 3u);
  EXPECT_EQ(staged[0].job_id, "a-random");  // oldest first
  EXPECT_FALSE(staged[0].resumable);
  EXPECT_NE(staged[0].reason.find("no obfuscation key"), std::string::npos);
  EXPECT_TRUE(staged[1].resumable);
  EXPECT_TRUE(staged[2].resumable);
  const nlohmann::json summary = StagedExportSummary(staged[1]);
  EXPECT_EQ(summary["completed_batches"], 1);
  EXPECT_EQ(summary["total_batches"], 2);
  EXPECT_EQ(summary["samples"], 5);
  EXPECT_EQ(summary["url"], "http://127.0.0.1:8428");

  Result<StagedExport> missing = FindStagedExport(root.path(), "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().hint().find("a-random"), std::string::npos) << missing.status().hint();
}

TEST(StagedExports, SecretsGivenAgainJoinTheRecordedSettings) {
  testing::TempDir root;
  Stage(root.path(), "k", Manifest(true, true, 1));
  Result<StagedExport> e = FindStagedExport(root.path(), "k");
  ASSERT_TRUE(e.ok());
  // Only the password again: the user name comes from the manifest.
  Result<ExportConfig> c =
      StagedExportConfig(*e, {{"auth", {{"type", "basic"}, {"username", ""}, {"password", "pw"}}},
                              {"obfuscation_key", "key-1"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->connection.auth.username, "alice");
  EXPECT_EQ(c->connection.auth.password, "pw");
  EXPECT_EQ(c->obfuscation.key, "key-1");
  EXPECT_EQ(c->staging_dir, root.path()) << "continues where the staging dir is now";

  Stage(root.path(), "r", Manifest(true, false, 1));
  Result<StagedExport> random = FindStagedExport(root.path(), "r");
  ASSERT_TRUE(random.ok());
  Result<ExportConfig> refused = StagedExportConfig(*random, {{"obfuscation_key", "key-1"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kConflict);
}

}  // namespace
}  // namespace vmx
