// BundleReader (src/common) on real files: ZIP with metadata after the metrics, .jsonl.gz,
// plain .jsonl, a ZIP without metrics, a truncated ZIP, a damaged entry, and the decompressed-size
// and ratio limits.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/bundle_reader.h"
#include "support/vm_harness.h"

namespace vmx {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

void WriteZip(const std::string& path, const Entries& entries) {
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const auto& [name, data] : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

void WriteGz(const std::string& path, const std::string& data) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, data.data(), static_cast<unsigned>(data.size()));
  gzclose(f);
}

Result<std::string> ReadAll(BundleReader& r) {
  std::string out;
  std::vector<char> buf(7);  // odd block size: reads must not depend on block boundaries
  while (true) {
    Result<size_t> n = r.Read(buf);
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

std::string Lines(int n) {
  std::string s;
  for (int i = 0; i < n; ++i)
    s += "{\"metric\":{\"__name__\":\"m" + std::to_string(i) +
         "\"},\"values\":[1],\"timestamps\":[1]}\n";
  return s;
}

TEST(BundleReader, ZipFindsMetricsAndReadsMetadataWhereverItSits) {
  testing::TempDir dir;
  const std::string zip = dir.path() + "/b.zip";
  WriteZip(zip, {{"README.txt", "hi"},
                 {"metrics.jsonl", Lines(500)},
                 {"metadata.json", R"({"export_id":"x1"})"}});
  Result<std::unique_ptr<BundleReader>> r = BundleReader::Open(zip);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->format(), BundleFormat::kZip);
  EXPECT_EQ((*r)->metadata_json(), R"({"export_id":"x1"})");
  EXPECT_EQ((*r)->metrics_name(), "metrics.jsonl");
  Result<std::string> all = ReadAll(**r);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, Lines(500));
  EXPECT_GT((*r)->file_bytes_read(), 0u);
}

TEST(BundleReader, GzipAndPlainJsonlAreDetectedByContentNotName) {
  testing::TempDir dir;
  WriteGz(dir.path() + "/data.bin", Lines(100));
  std::ofstream(dir.path() + "/data.zip") << Lines(3);  // a misnamed plain file
  Result<std::unique_ptr<BundleReader>> gz = BundleReader::Open(dir.path() + "/data.bin");
  ASSERT_TRUE(gz.ok()) << gz.status().ToString();
  EXPECT_EQ((*gz)->format(), BundleFormat::kJsonlGz);
  EXPECT_EQ(*ReadAll(**gz), Lines(100));
  Result<std::unique_ptr<BundleReader>> plain = BundleReader::Open(dir.path() + "/data.zip");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)->format(), BundleFormat::kJsonl);
  EXPECT_EQ(*ReadAll(**plain), Lines(3));
}

TEST(BundleReader, ClearErrorsForMissingMetricsTruncationAndMissingFiles) {
  testing::TempDir dir;
  WriteZip(dir.path() + "/nometrics.zip", {{"README.txt", "hi"}});
  Result<std::unique_ptr<BundleReader>> none = BundleReader::Open(dir.path() + "/nometrics.zip");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("has no metrics.jsonl"), std::string::npos);

  WriteZip(dir.path() + "/full.zip", {{"metrics.jsonl", Lines(2000)}});
  std::ifstream in(dir.path() + "/full.zip", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(dir.path() + "/cut.zip", std::ios::binary) << bytes.substr(0, bytes.size() * 2 / 3);
  Result<std::unique_ptr<BundleReader>> cut = BundleReader::Open(dir.path() + "/cut.zip");
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("cannot open ZIP bundle"), std::string::npos)
      << cut.status().message();
  EXPECT_NE(cut.status().hint().find("incomplete or damaged"), std::string::npos);

  Result<std::unique_ptr<BundleReader>> missing = BundleReader::Open(dir.path() + "/nope.zip");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(BundleReader, DecompressedSizeLimitStopsZipBombs) {
  testing::TempDir dir;
  const std::string zeros(8 << 20, '0');  // compresses ~1000:1
  WriteZip(dir.path() + "/bomb.zip", {{"metrics.jsonl", zeros}});
  Result<std::unique_ptr<BundleReader>> r =
      BundleReader::Open(dir.path() + "/bomb.zip", {.max_decompressed_bytes = 1 << 20});
  ASSERT_TRUE(r.ok());
  Result<std::string> all = ReadAll(**r);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), StatusCode::kTooLarge);
  EXPECT_NE(all.status().message().find("more than 1048576 bytes"), std::string::npos)
      << all.status().message();
}

// Read fully with the reader's own block size large enough for the ISA-L path's sub-block reads.
Result<std::string> ReadAllBig(BundleReader& r) {
  std::string out;
  std::vector<char> buf(64 << 10);
  while (true) {
    Result<size_t> n = r.Read(buf);
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

TEST(BundleReader, DamagedZipEntryIsAnErrorNotShortData) {
  testing::TempDir dir;
  const std::string zip = dir.path() + "/b.zip";
  const std::string lines = Lines(20000);
  WriteZip(zip, {{"metrics.jsonl", lines}, {"metadata.json", "{}"}});
  std::ifstream in(zip, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  bytes[bytes.size() / 3] =
      static_cast<char>(bytes[bytes.size() / 3] ^ 0x5a);  // inside the deflate data
  std::ofstream(zip, std::ios::binary | std::ios::trunc) << bytes;
  Result<std::unique_ptr<BundleReader>> r = BundleReader::Open(zip);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  Result<std::string> all = ReadAllBig(**r);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(all.status().message().find("cannot read metrics.jsonl from bundle"), std::string::npos)
      << all.status().message();
}

TEST(BundleReader, RatioLimitRefusesADeclaredBombAtOpenAndAStreamedOneWhileReading) {
  testing::TempDir dir;
  const std::string zeros(8 << 20, '0');  // compresses ~1000:1
  const BundleReaderOptions tight{.max_decompression_ratio = 200, .ratio_free_bytes = 1 << 20};
  // The ZIP's directory declares the ratio: refused before anything is read.
  WriteZip(dir.path() + "/bomb.zip", {{"metrics.jsonl", zeros}});
  Result<std::unique_ptr<BundleReader>> zip = BundleReader::Open(dir.path() + "/bomb.zip", tight);
  ASSERT_FALSE(zip.ok());
  EXPECT_EQ(zip.status().code(), StatusCode::kTooLarge);
  EXPECT_NE(zip.status().message().find("more than 200:1"), std::string::npos)
      << zip.status().message();
  EXPECT_NE(zip.status().hint().find("-max-decompression-ratio"), std::string::npos);
  // A gzip stream declares nothing usable: refused once past the free bytes.
  WriteGz(dir.path() + "/bomb.jsonl.gz", zeros);
  Result<std::unique_ptr<BundleReader>> gz =
      BundleReader::Open(dir.path() + "/bomb.jsonl.gz", tight);
  ASSERT_TRUE(gz.ok());
  Result<std::string> all = ReadAllBig(**gz);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), StatusCode::kTooLarge);
  EXPECT_LT((*gz)->bytes_read(), zeros.size());
  // Within the free bytes, or with the check off, the same data reads fine.
  Result<std::unique_ptr<BundleReader>> off =
      BundleReader::Open(dir.path() + "/bomb.zip", {.max_decompression_ratio = 0});
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(ReadAllBig(**off)->size(), zeros.size());
  Result<std::unique_ptr<BundleReader>> free_bytes =
      BundleReader::Open(dir.path() + "/bomb.zip", {.max_decompression_ratio = 200});
  ASSERT_TRUE(free_bytes.ok());
  EXPECT_EQ(ReadAllBig(**free_bytes)->size(), zeros.size());
}

}  // namespace
}  // namespace vmx
