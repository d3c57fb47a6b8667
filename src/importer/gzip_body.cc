#include "importer/gzip_body.h"

#include <zlib.h>

#include <fmt/format.h>

namespace vmx::importer {

Status GzipCompress(std::string_view data, int level, std::string* out) {
  z_stream zs{};
  // 15 + 16: a gzip header and trailer instead of a zlib one.
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Internal("cannot start gzip compression: out of memory?");
  }
  out->resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  const int rc = deflate(&zs, Z_FINISH);
  const size_t produced = out->size() - zs.avail_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return Status::Internal(fmt::format("cannot gzip a {}-byte request body: zlib error {}", data.size(), rc));
  }
  out->resize(produced);
  return Status::Ok();
}

}  // namespace vmx::importer
