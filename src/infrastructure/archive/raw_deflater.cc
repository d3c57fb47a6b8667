#include "infrastructure/archive/raw_deflater.h"

#include <fmt/format.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include <algorithm>

#include "common/isal_level.h"
#include "common/raw_inflate_reader.h"

namespace vmx {
struct RawDeflater::Stream {
  isal_zstream z{};
  std::unique_ptr<uint8_t[]> level_buf;
};

RawDeflater::RawDeflater(int level) : stream_(std::make_unique<Stream>()) {
  isal_zstream& z = stream_->z;
  isal_deflate_init(&z);
  const IsalLevel isal = IsalLevelFor(level);
  z.level = isal.level;
  z.level_buf_size = isal.buffer_bytes;
  stream_->level_buf = std::make_unique<uint8_t[]>(z.level_buf_size);
  z.level_buf = stream_->level_buf.get();
  z.gzip_flag = IGZIP_DEFLATE;  // raw deflate: the ZIP entry carries no zlib/gzip wrapper
  z.end_of_stream = 0;          // the ZIP writer appends the one final block after all pieces
}

RawDeflater::~RawDeflater() = default;

Status RawDeflater::Run(std::string_view data, bool sync_flush, std::string* out) {
  isal_zstream& z = stream_->z;
  z.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uint32_t>(data.size());
  z.flush = sync_flush ? SYNC_FLUSH : NO_FLUSH;
  // Output space left over after a call means everything given so far was written (ISA-L's rule
  // for a flush to be complete), so loop only while the output filled up.
  do {
    const size_t before = out->size();
    const size_t room = std::max<size_t>(64 * 1024, data.size() / 2 + 1024);
    out->resize(before + room);
    z.next_out = reinterpret_cast<uint8_t*>(out->data() + before);
    z.avail_out = static_cast<uint32_t>(room);
    const int rc = isal_deflate(&z);
    out->resize(before + room - z.avail_out);
    if (rc != COMP_OK) return Status::Internal(fmt::format("deflate failed: ISA-L error {}", rc));
  } while (z.avail_out == 0 || z.avail_in > 0);
  return Status::Ok();
}

Status RawDeflater::Append(std::string_view data, std::string* out) {
  // ISA-L counts in 32-bit units: feed very large inputs in slices.
  constexpr size_t kSlice = 1u << 30;
  while (!data.empty()) {
    const std::string_view slice = data.substr(0, kSlice);
    crc_ =
        crc32_gzip_refl(crc_, reinterpret_cast<const unsigned char*>(slice.data()), slice.size());
    in_bytes_ += slice.size();
    if (Status s = Run(slice, false, out); !s.ok()) return s;
    data.remove_prefix(slice.size());
  }
  return Status::Ok();
}

Status RawDeflater::Finish(std::string* out) { return Run({}, true, out); }

Status InflatePieceFile(const std::string& path,
                        const std::function<Status(std::string_view)>& sink) {
  const Status s = InflateRawFile(path, sink);
  if (s.code() == StatusCode::kNotFound) {
    return Status::Internal(s.message(), "the staging dir was changed; start the export again");
  }
  if (s.code() == StatusCode::kInvalidArgument) {
    return Status::Internal(fmt::format("staged piece is damaged: {}", s.message()),
                            "start the export again");
  }
  return s;  // ok, or the sink's own error (e.g. canceled) as it was
}

uint32_t CombineCrc32(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  // ISA-L has no CRC combination; zlib's costs O(log n) per window, nothing on the hot path.
  return static_cast<uint32_t>(crc32_combine64(crc_a, crc_b, static_cast<z_off64_t>(length_b)));
}

}  // namespace vmx
