#include "common/raw_inflate_reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace vmx {
namespace {

constexpr size_t kInputBlock = 1 << 20;

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

struct RawInflateReader::State {
  inflate_state z{};
  std::vector<uint8_t> in = std::vector<uint8_t>(kInputBlock);
};

RawInflateReader::RawInflateReader(int fd, uint64_t offset, uint64_t length, std::string name)
    : state_(std::make_unique<State>()),
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
          static_cast<size_t>(std::min<uint64_t>(kInputBlock, end_offset_ - next_offset_));
      const ssize_t n = pread(fd_, state_->in.data(), want, static_cast<off_t>(next_offset_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return Status::Internal(fmt::format("cannot read {}: {}", name_, std::strerror(errno)));
      if (n == 0) {
        return Status::InvalidArgument(
            fmt::format("{} ends {} bytes early", name_, end_offset_ - next_offset_));
      }
      next_offset_ += static_cast<uint64_t>(n);
      consumed_ += static_cast<uint64_t>(n);
      z.next_in = state_->in.data();
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
  std::vector<char> out(4 << 20);
  Status s;
  while (s.ok()) {
    Result<size_t> n = reader.Read(out);
    if (!n.ok()) {
      s = n.status();
    } else if (*n == 0) {
      break;
    } else {
      s = sink({out.data(), *n});
    }
  }
  close(fd);
  return s;
}

}  // namespace vmx
