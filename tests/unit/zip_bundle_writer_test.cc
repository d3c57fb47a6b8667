// ZipBundleWriter writes archives that unzip and Python's zipfile accept, with per-entry and
// whole-file SHA-256 that match independent tools, and leaves nothing behind when abandoned.
#include "infrastructure/archive/zip_bundle_writer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "infrastructure/archive/bundle_metadata.h"
#include "infrastructure/archive/sha256_stream.h"
#include "support/vm_harness.h"

namespace vmx {
namespace {

std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int rc = pclose(p);
  return std::to_string(WEXITSTATUS(rc)) + ":" + out;
}

TEST(ZipBundleWriter, StreamsEntriesThatStandardToolsRead) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/b.zip";
  auto w = ZipBundleWriter::Create(path);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  // A few MB of pseudo-random lines, written in odd-sized pieces.
  std::mt19937 rng(7);
  std::string big;
  for (int i = 0; i < 60000; ++i) big += "{\"metric\":{\"__name__\":\"m" + std::to_string(rng()) + "\"}}\n";
  ASSERT_TRUE((*w)->BeginEntry("metrics.jsonl").ok());
  for (size_t off = 0; off < big.size(); off += 777) {
    ASSERT_TRUE((*w)->Write(std::string_view(big).substr(off, 777)).ok());
  }
  auto metrics_sha = (*w)->EndEntry();
  ASSERT_TRUE(metrics_sha.ok());
  Sha256Stream expect;
  expect.Update(big);
  EXPECT_EQ(*metrics_sha, expect.HexDigest());
  ASSERT_TRUE((*w)->BeginEntry("README.txt").ok());
  ASSERT_TRUE((*w)->Write("hello\n").ok());
  ASSERT_TRUE((*w)->EndEntry().ok());
  EXPECT_FALSE(std::filesystem::exists(path)) << "final name must appear only on commit";
  auto zip_sha = (*w)->Commit();
  ASSERT_TRUE(zip_sha.ok()) << zip_sha.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
  ASSERT_TRUE(WriteSha256Sidecar(path, *zip_sha).ok());

  EXPECT_EQ(Shell("cd " + dir.path() + " && sha256sum -c b.zip.sha256"), "0:b.zip: OK\n");
  EXPECT_EQ(Shell("unzip -tq " + path).substr(0, 2), "0:") << Shell("unzip -t " + path);
  const std::string py = Shell("python3 -c \"import zipfile,hashlib,sys; z=zipfile.ZipFile('" + path +
                             "'); print(z.testzip()); print(hashlib.sha256(z.read('metrics.jsonl')).hexdigest()); "
                             "print(z.read('README.txt').decode(), end='')\"");
  EXPECT_EQ(py, "0:None\n" + *metrics_sha + "\nhello\n");
  EXPECT_LT(std::filesystem::file_size(path), big.size() / 2) << "entries must be deflated";
}

TEST(ZipBundleWriter, AbandonedWriterLeavesNoFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/x.zip";
  {
    auto w = ZipBundleWriter::Create(path);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->BeginEntry("metrics.jsonl").ok());
    ASSERT_TRUE((*w)->Write("data\n").ok());
    EXPECT_TRUE(std::filesystem::exists(path + ".part"));
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ZipBundleWriter, CreateInMissingDirectoryExplainsTheFailure) {
  auto w = ZipBundleWriter::Create("/nonexistent-dir-vmx/b.zip");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("cannot create /nonexistent-dir-vmx/b.zip.part"), std::string::npos)
      << w.status().message();
}

TEST(BundleMetadata, NamesBundlesAndSidecarsLikeTheSpec) {
  // 2025-01-02T03:04:05Z
  EXPECT_EQ(BundleFileName("abc123", 1735787045000), "vmexport_abc123_20250102_030405.zip");
  EXPECT_EQ(Sha256SidecarText("ff", "a.zip"), "ff  a.zip\n");
}

}  // namespace
}  // namespace vmx
