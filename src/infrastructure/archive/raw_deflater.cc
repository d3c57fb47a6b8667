#include "infrastructure/archive/raw_deflater.h"

#include <zlib.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace vmx {

struct RawDeflater::Stream {
  z_stream z{};
  bool ready = false;
  ~Stream() {
    if (ready) deflateEnd(&z);
  }
};

RawDeflater::RawDeflater(int level) : stream_(std::make_unique<Stream>()) {
  // windowBits -15: raw deflate; memLevel 8 is zlib's default (about 256 KiB per stream).
  stream_->ready = deflateInit2(&stream_->z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  crc_ = static_cast<uint32_t>(::crc32(0L, Z_NULL, 0));
}

RawDeflater::~RawDeflater() = default;

Status RawDeflater::Run(std::string_view data, int flush, std::string* out) {
  if (!stream_->ready) return Status::Internal("cannot start a deflate stream: out of memory");
  z_stream& z = stream_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  do {
    const size_t before = out->size();
    const size_t room = std::max<size_t>(64 * 1024, data.size() / 2 + 1024);
    out->resize(before + room);
    z.next_out = reinterpret_cast<Bytef*>(out->data() + before);
    z.avail_out = static_cast<uInt>(room);
    const int rc = deflate(&z, flush);
    out->resize(before + room - z.avail_out);
    if (rc == Z_STREAM_ERROR) return Status::Internal(fmt::format("deflate failed: {}", z.msg ? z.msg : "stream error"));
  } while (z.avail_out == 0 || z.avail_in > 0);
  return Status::Ok();
}

Status RawDeflater::Append(std::string_view data, std::string* out) {
  // zlib counts in 32-bit units: feed very large inputs in slices.
  constexpr size_t kSlice = 1u << 30;
  while (!data.empty()) {
    const std::string_view slice = data.substr(0, kSlice);
    crc_ = static_cast<uint32_t>(
        ::crc32_z(crc_, reinterpret_cast<const Bytef*>(slice.data()), slice.size()));
    in_bytes_ += slice.size();
    if (Status s = Run(slice, Z_NO_FLUSH, out); !s.ok()) return s;
    data.remove_prefix(slice.size());
  }
  return Status::Ok();
}

Status RawDeflater::Finish(std::string* out) { return Run({}, Z_SYNC_FLUSH, out); }

Status InflatePieceFile(const std::string& path, const std::function<Status(std::string_view)>& sink) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return Status::Internal(fmt::format("cannot read staged piece {}: {}", path, std::strerror(errno)),
                            "the staging dir was changed; start the export again");
  }
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) {
    std::fclose(f);
    return Status::Internal("cannot start inflating " + path + ": out of memory");
  }
  std::vector<char> in(1 << 20), out(4 << 20);
  Status s;
  int rc = Z_OK;
  size_t n;
  while (s.ok() && rc != Z_STREAM_END && (n = std::fread(in.data(), 1, in.size(), f)) > 0) {
    z.next_in = reinterpret_cast<Bytef*>(in.data());
    z.avail_in = static_cast<uInt>(n);
    do {
      z.next_out = reinterpret_cast<Bytef*>(out.data());
      z.avail_out = static_cast<uInt>(out.size());
      rc = inflate(&z, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        s = Status::Internal(fmt::format("staged piece {} is damaged: {}", path, z.msg ? z.msg : "bad data"),
                             "start the export again");
        break;
      }
      s = sink({out.data(), out.size() - z.avail_out});
    } while (s.ok() && z.avail_out == 0 && rc != Z_STREAM_END);
  }
  inflateEnd(&z);
  std::fclose(f);
  return s;
}

uint32_t CombineCrc32(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  return static_cast<uint32_t>(crc32_combine64(crc_a, crc_b, static_cast<z_off64_t>(length_b)));
}

}  // namespace vmx
