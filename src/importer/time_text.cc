#include "importer/time_text.h"

#include "common/duration.h"

#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <charconv>
#include <ctime>

namespace vmx::importer {
namespace {

constexpr int64_t kDay = 86'400'000;

bool ParseInt(std::string_view s, int64_t* v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

Result<int64_t> ParseRetentionMs(std::string_view text) {
  int64_t months = 0;
  if (ParseInt(text, &months)) {
    int64_t ms = 0;
    if (months < 0 || __builtin_mul_overflow(months, 31 * kDay, &ms)) {
      return Status::InvalidArgument(fmt::format("retention period {:?} is out of range", std::string(text)),
                                     "use a number of months (e.g. 12) or a duration like 90d, 1y");
    }
    return ms;
  }
  Result<int64_t> d = ParseDurationMillis(text);
  if (!d.ok()) {
    return Status::InvalidArgument(fmt::format("cannot parse retention period {:?}", std::string(text)),
                                   "use a number of months (e.g. 12) or a duration like 90d, 1y");
  }
  return d;
}

int64_t UnixNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatInstantMs(int64_t ms) {
  // Floor division without ms - 999, which overflows at INT64_MIN (a bundle may hold any int64).
  const int64_t floor_secs = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
  const time_t secs = static_cast<time_t>(floor_secs);
  std::tm tm{};
  if (gmtime_r(&secs, &tm) == nullptr || tm.tm_year > 9999 - 1900 || tm.tm_year < -1900) {
    return fmt::format("{}ms", ms);  // outside what RFC 3339 can write
  }
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms - static_cast<int64_t>(secs) * 1000));
}

std::string FormatDurationMs(int64_t ms) {
  std::string out = ms < 0 ? "-" : "";
  uint64_t left = ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  if (left < 1000) return out + fmt::format("{}ms", left);
  left /= 1000;
  const uint64_t d = left / 86400;
  const uint64_t h = left % 86400 / 3600;
  const uint64_t m = left % 3600 / 60;
  const uint64_t s = left % 60;
  if (d > 0) out += fmt::format("{}d", d);
  if (h > 0) out += fmt::format("{}h", h);
  if (m > 0 && d == 0) out += fmt::format("{}m", m);
  if (s > 0 && d == 0 && h == 0) out += fmt::format("{}s", s);
  return out;
}

}  // namespace vmx::importer
