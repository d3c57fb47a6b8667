// A ZIP bomb against `vmimport import` and a real victoria-metrics: a 4 MB bundle whose
// metrics.jsonl expands to 4 GiB of valid lines is refused before a single sample is sent, and
// the ratio flag is what lets it through to the next limit.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <string>

#include "infrastructure/archive/raw_deflater.h"
#include "infrastructure/archive/zip_bundle_writer.h"
#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

// A raw deflate piece of `plain` that ends on a byte boundary without a final block (zlib at
// its best ratio, about 1000:1 for repeated lines), as RawDeflater pieces are.
std::string DeflatePiece(const std::string& plain) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(plain.size() / 64 + 4096, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_SYNC_FLUSH), Z_OK);
  EXPECT_EQ(z.avail_in, 0u);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

// bomb.zip: metrics.jsonl of `gib` GiB of one valid 1 MiB line repeated (a sample and a run of
// spaces, which JSON allows after a value and deflate packs about 1000:1), plus metadata.json.
uint64_t WriteBomb(const std::string& path, int gib) {
  std::string block =
      R"({"metric":{"__name__":"bomb_metric","job":"bomb"},"values":[1],"timestamps":[1700000000000]})";
  block.resize((1u << 20) - 1, ' ');
  block += '\n';
  const std::string piece = DeflatePiece(block);
  const uint32_t block_crc =
      static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(block.data()), block.size()));
  auto w = ZipBundleWriter::Create(path, 1);
  EXPECT_TRUE(w.ok());
  EXPECT_TRUE((*w)->BeginDeflatedEntry("metrics.jsonl").ok());
  uint32_t crc = 0;
  uint64_t size = 0;
  const uint64_t target = static_cast<uint64_t>(gib) << 30;
  while (size < target) {
    EXPECT_TRUE((*w)->WriteDeflated(piece).ok());
    crc = size == 0 ? block_crc : CombineCrc32(crc, block_crc, block.size());
    size += block.size();
  }
  EXPECT_TRUE((*w)->EndDeflatedEntry(crc, size).ok());
  EXPECT_TRUE((*w)->BeginEntry("metadata.json").ok());
  EXPECT_TRUE((*w)->Write(R"({"export_id":"bomb","obfuscated":false})").ok());
  EXPECT_TRUE((*w)->EndEntry().ok());
  EXPECT_TRUE((*w)->Commit().ok());
  return size;
}

TEST(ImportBomb, FourMegabytesExpandingToFourGibibytesIsRefusedBeforeAnythingIsSent) {
  TempDir dir;
  const std::string zip = dir.path() + "/bomb.zip";
  const uint64_t expanded = WriteBomb(zip, 4);
  ASSERT_GE(expanded, 4ULL << 30);
  ASSERT_LT(std::filesystem::file_size(zip), 6u << 20) << "the bomb should be a few MB";
  VmSingle target;
  const std::string quoted =
      "'" + VmimportBinary() + "' import -url=" + target.url() + " -gzip-level=0 ";

  const CommandRun refused = RunCommand(quoted + zip);
  EXPECT_EQ(refused.code, 1) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("more than 200:1"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("-max-decompression-ratio"), std::string::npos) << refused.err;

  // With the ratio check off, the size limit (declared in the directory) still refuses it first.
  const CommandRun sized =
      RunCommand(quoted + "-max-decompression-ratio=0 -max-decompressed-size=1073741824 " + zip);
  EXPECT_EQ(sized.code, 1) << sized.out << sized.err;
  EXPECT_NE(sized.err.find("more than 1073741824 bytes"), std::string::npos) << sized.err;

  const std::string series = target.Get("/api/v1/series?match[]=bomb_metric&start=0");
  EXPECT_NE(series.find(R"("data":[])"), std::string::npos)
      << "nothing may reach the target: " << series;
}

}  // namespace
}  // namespace vmx::testing
