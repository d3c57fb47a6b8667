#include "common/raw_inflate_reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace vmx {
namespace {

constexpr size_t kInputBlock = 1 << 20;
constexpr uint64_t kMinOutputBlock = 64 << 10;
constexpr uint64_t kMaxOutputBlock = 4 << 20;

const char* IsalInflateError(int rc) {
  switch (rc) {
    case ISAL_INVALID_BLOCK:
      return "invalid deflate block";
    case ISAL_INVALID_SYMBOL:
      return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:
      return "invalid back-reference distance";
    default:
      return "damaged deflate data";
  }
}

}  // namespace

// The input block is never larger than the range it reads, and is not zero-filled: a staged piece
// of a one-minute window is a few hundred bytes, and a bundle is assembled from thousands of them.
struct RawInflateReader::State {
  explicit State(size_t block)
      : in_size(block), in(std::make_unique_for_overwrite<uint8_t[]>(block)) {}
  inflate_state z{};
  size_t in_size;
  std::unique_ptr<uint8_t[]> in;
};

RawInflateReader::RawInflateReader(int fd, uint64_t offset, uint64_t length, std::string name)
    : state_(std::make_unique<State>(
          static_cast<size_t>(std::clamp<uint64_t>(length, 1, kInputBlock)))),
      fd_(fd),
      next_offset_(offset),
      end_offset_(offset + length),
      name_(std::move(name)) {
  isal_inflate_init(&state_->z);
  state_->z.crc_flag = ISAL_DEFLATE;
}

RawInflateReader::~RawInflateReader() = default;

bool RawInflateReader::finished() const { return state_->z.block_state == ISAL_BLOCK_FINISH; }

Result<size_t> RawInflateReader::Read(std::span<char> buf) {
  inflate_state& z = state_->z;
  while (!finished()) {
    if (z.avail_in == 0 && next_offset_ < end_offset_) {
      const size_t want =
          static_cast<size_t>(std::min<uint64_t>(state_->in_size, end_offset_ - next_offset_));
      const ssize_t n = pread(fd_, state_->in.get(), want, static_cast<off_t>(next_offset_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return Status::Internal(fmt::format("cannot read {}: {}", name_, std::strerror(errno)));
      if (n == 0) {
        return Status::InvalidArgument(
            fmt::format("{} ends {} bytes early", name_, end_offset_ - next_offset_));
      }
      next_offset_ += static_cast<uint64_t>(n);
      consumed_ += static_cast<uint64_t>(n);
      z.next_in = state_->in.get();
      z.avail_in = static_cast<uint32_t>(n);
    }
    const uint32_t in_before = z.avail_in;
    z.next_out = reinterpret_cast<uint8_t*>(buf.data());
    z.avail_out = static_cast<uint32_t>(std::min<size_t>(buf.size(), UINT32_MAX));
    const uint32_t out_room = z.avail_out;
    const int rc = isal_inflate(&z);
    if (rc < 0)
      return Status::InvalidArgument(
          fmt::format("cannot inflate {}: {}", name_, IsalInflateError(rc)));
    const size_t produced = out_room - z.avail_out;
    if (produced > 0) {
      crc_ = crc32_gzip_refl(crc_, reinterpret_cast<const unsigned char*>(buf.data()), produced);
      return produced;
    }
    // No output and no input left to give: the range holds a stream without a final block.
    if (z.avail_in == 0 && next_offset_ >= end_offset_) return size_t{0};
    if (z.avail_in == in_before && z.avail_in > 0) {
      return Status::InvalidArgument(fmt::format("cannot inflate {}: no progress", name_));
    }
  }
  return size_t{0};
}

Status InflateRawFile(const std::string& path,
                      const std::function<Status(std::string_view)>& sink) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) {
    const int err = errno;
    if (fd >= 0) close(fd);
    return Status::NotFound(fmt::format("cannot read {}: {}", path, std::strerror(err)));
  }
  RawInflateReader reader(fd, 0, static_cast<uint64_t>(st.st_size), path);
  // Sized to the file (text deflates about 4-10x; a larger result just takes more rounds) and not
  // zero-filled: 4 MiB zeroed per call cost more than inflating a small piece.
  const size_t out_size = static_cast<size_t>(std::clamp<uint64_t>(
      static_cast<uint64_t>(st.st_size) * 8, kMinOutputBlock, kMaxOutputBlock));
  const auto out = std::make_unique_for_overwrite<char[]>(out_size);
  Status s;
  while (s.ok()) {
    Result<size_t> n = reader.Read({out.get(), out_size});
    if (!n.ok()) {
      s = n.status();
    } else if (*n == 0) {
      break;
    } else {
      s = sink({out.get(), *n});
    }
  }
  close(fd);
  return s;
}

}  // namespace vmx
