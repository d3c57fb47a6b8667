// libFuzzer target for vmimport's bundle readers: BundleReader (ZIP / .jsonl / .jsonl.gz,
// detected from the first bytes) and VisitZipEntries (vmexporter verify). Arbitrary bytes as the
// bundle file must never crash or hang them, every failure must be a Status with a message, the
// decompression limit must hold (zip bombs), and the metadata must stay under its limit.
//
// The input is the file itself, kept in a memfd so no disk is touched.
//
//   make fuzz FUZZ_SECONDS=60
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/bundle_reader.h"
#include "common/zip_entries.h"

namespace {

constexpr uint64_t kMaxDecompressed = 1 << 20;
constexpr uint64_t kMaxMetadata = 64 << 10;

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "bundle_reader_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

void CheckError(const vmx::Status& s, const char* where) {
  if (s.message().empty()) Fail("an error without a message", where);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const int fd = memfd_create("bundle_reader_fuzz", 0);
  if (fd < 0) Fail("memfd_create failed", "");
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) {
    Fail("cannot write the memfd", "");
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);

  vmx::BundleReaderOptions options;
  options.max_decompressed_bytes = kMaxDecompressed;
  options.max_metadata_bytes = kMaxMetadata;
  vmx::Result<std::unique_ptr<vmx::BundleReader>> reader = vmx::BundleReader::Open(path, options);
  if (!reader.ok()) {
    CheckError(reader.status(), "Open");
  } else {
    if ((*reader)->metadata_json().size() > kMaxMetadata) Fail("metadata over its limit", "");
    std::vector<char> buf(4096);
    uint64_t total = 0;
    bool failed = false;
    while (true) {
      vmx::Result<size_t> n = (*reader)->Read(buf);
      if (!n.ok()) {
        CheckError(n.status(), "Read");
        failed = true;  // bytes_read() then counts the refused block too
        break;
      }
      if (*n == 0) break;
      if (*n > buf.size()) Fail("Read returned more than the buffer", std::to_string(*n));
      total += *n;
      // The limit must stop a bomb one block after it is crossed, not at the end.
      if (total > kMaxDecompressed + buf.size()) Fail("read past the decompression limit", std::to_string(total));
    }
    if (!failed && (*reader)->bytes_read() != total) Fail("bytes_read disagrees with Read", std::to_string(total));
  }

  uint64_t visited = 0;
  vmx::ZipEntryVisitor visitor;
  visitor.begin = [](const std::string&) { return true; };
  visitor.data = [&](std::string_view chunk) {
    visited += chunk.size();
    return vmx::Status::Ok();
  };
  visitor.end = [](const std::string&) { return vmx::Status::Ok(); };
  vmx::Status s = vmx::VisitZipEntries(path, kMaxDecompressed, visitor);
  if (!s.ok()) CheckError(s, "VisitZipEntries");
  if (visited > kMaxDecompressed + (1 << 16)) Fail("visited past the limit", std::to_string(visited));
  return 0;
}
