// ZipBundleWriter writes archives that unzip and Python's zipfile accept, with per-entry and
// whole-file SHA-256 that match independent tools, and leaves nothing behind when abandoned.
#include "infrastructure/archive/zip_bundle_writer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "common/zip_entries.h"
#include "infrastructure/archive/bundle_metadata.h"
#include "infrastructure/archive/raw_deflater.h"
#include "infrastructure/archive/sha256_stream.h"
#include "support/vm_harness.h"

namespace vmx {
namespace {

// "<exit code>:<stdout>" of a shell command line.
std::string Shell(const std::string& cmd) {
  const testing::CommandRun r = testing::RunCommand(cmd);
  return std::to_string(r.code) + ":" + r.out;
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

// Pieces compressed on different threads and concatenated in order form one entry that every
// reader we care about (unzip, Python, libarchive as vmimport and verify use it) accepts.
TEST(ZipBundleWriter, ConcatenatesPiecesDeflatedInParallel) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/p.zip";
  std::vector<std::string> plain(4);
  std::mt19937 rng(11);
  for (size_t p = 0; p < plain.size(); ++p) {
    for (int i = 0; i < 20000 + static_cast<int>(p) * 5000; ++i) {
      plain[p] += "{\"metric\":{\"i\":\"" + std::to_string(rng() % 1000) + "\"},\"values\":[1]}\n";
    }
  }
  plain[2].clear();  // an empty window is a valid piece too
  std::vector<std::string> deflated(plain.size());
  std::vector<uint32_t> crcs(plain.size());
  std::vector<std::thread> threads;
  for (size_t p = 0; p < plain.size(); ++p) {
    threads.emplace_back([&, p] {
      RawDeflater d(1);
      for (size_t off = 0; off < plain[p].size(); off += 4099) {
        ASSERT_TRUE(d.Append(std::string_view(plain[p]).substr(off, 4099), &deflated[p]).ok());
      }
      ASSERT_TRUE(d.Finish(&deflated[p]).ok());
      crcs[p] = d.crc32();
      ASSERT_EQ(d.uncompressed_bytes(), plain[p].size());
    });
  }
  for (std::thread& t : threads) t.join();

  auto w = ZipBundleWriter::Create(path);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->BeginDeflatedEntry("metrics.jsonl").ok());
  uint32_t crc = 0;
  uint64_t size = 0;
  std::string all;
  for (size_t p = 0; p < plain.size(); ++p) {
    ASSERT_TRUE((*w)->WriteDeflated(deflated[p]).ok());
    crc = size == 0 && p == 0 ? crcs[p] : CombineCrc32(crc, crcs[p], plain[p].size());
    size += plain[p].size();
    all += plain[p];
  }
  ASSERT_TRUE((*w)->EndDeflatedEntry(crc, size).ok());
  ASSERT_TRUE((*w)->BeginEntry("README.txt").ok());
  ASSERT_TRUE((*w)->Write("r\n").ok());
  ASSERT_TRUE((*w)->EndEntry().ok());
  ASSERT_TRUE((*w)->Commit().ok());

  Sha256Stream expect;
  expect.Update(all);
  const std::string sha = expect.HexDigest();
  EXPECT_EQ(Shell("unzip -tq " + path).substr(0, 2), "0:") << Shell("unzip -t " + path);
  EXPECT_EQ(Shell("python3 -c \"import zipfile,hashlib; z=zipfile.ZipFile('" + path +
                  "'); print(z.testzip()); print(hashlib.sha256(z.read('metrics.jsonl')).hexdigest())\""),
            "0:None\n" + sha + "\n");
  Sha256Stream streamed;
  std::vector<std::string> names;
  ZipEntryVisitor v;
  v.begin = [&](const std::string& name) {
    names.push_back(name);
    return true;
  };
  v.data = [&](std::string_view chunk) {
    if (names.back() == "metrics.jsonl") streamed.Update(chunk);
    return Status::Ok();
  };
  v.end = [](const std::string&) { return Status::Ok(); };
  Status read = VisitZipEntries(path, 1ull << 32, v);
  ASSERT_TRUE(read.ok()) << read.ToString();
  EXPECT_EQ(names, (std::vector<std::string>{"metrics.jsonl", "README.txt"}));
  EXPECT_EQ(streamed.HexDigest(), sha);
}

// An entry above 4 GiB uncompressed needs the Zip64 fields in the central directory.
TEST(ZipBundleWriter, EntriesAbove4GiBUseZip64) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/big.zip";
  const std::string zeros(64u << 20, '\0');
  RawDeflater d(1);
  std::string piece;
  ASSERT_TRUE(d.Append(zeros, &piece).ok());
  ASSERT_TRUE(d.Finish(&piece).ok());
  auto w = ZipBundleWriter::Create(path);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->BeginDeflatedEntry("metrics.jsonl").ok());
  uint32_t crc = d.crc32();
  uint64_t size = zeros.size();
  ASSERT_TRUE((*w)->WriteDeflated(piece).ok());
  for (int i = 1; i < 70; ++i) {  // 70 x 64 MiB = 4.375 GiB
    ASSERT_TRUE((*w)->WriteDeflated(piece).ok());
    crc = CombineCrc32(crc, d.crc32(), zeros.size());
    size += zeros.size();
  }
  ASSERT_TRUE((*w)->EndDeflatedEntry(crc, size).ok());
  ASSERT_TRUE((*w)->BeginEntry("README.txt").ok());
  ASSERT_TRUE((*w)->Write("r\n").ok());
  ASSERT_TRUE((*w)->EndEntry().ok());
  ASSERT_TRUE((*w)->Commit().ok());
  // Python checks the Zip64 sizes against the local header and reads the start of the data.
  EXPECT_EQ(Shell("python3 -c \"import zipfile; z=zipfile.ZipFile('" + path +
                  "'); i=z.getinfo('metrics.jsonl'); print(i.file_size, i.CRC == " + std::to_string(crc) +
                  "); f=z.open(i); print(len(f.read(1000000))); print(z.read('README.txt').decode(), end='')\""),
            "0:" + std::to_string(size) + " True\n1000000\nr\n");
}

TEST(BundleMetadata, NamesBundlesAndSidecarsLikeTheSpec) {
  // 2025-01-02T03:04:05Z
  EXPECT_EQ(BundleFileName("abc123", 1735787045000), "vmexport_abc123_20250102_030405.zip");
  EXPECT_EQ(Sha256SidecarText("ff", "a.zip"), "ff  a.zip\n");
}

}  // namespace
}  // namespace vmx
