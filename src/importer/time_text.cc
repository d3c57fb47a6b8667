#include "importer/time_text.h"

#include "common/duration.h"

#include <fmt/format.h>

#include <cctype>
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
  if (ParseInt(text, &months)) return months * 31 * kDay;
  Result<int64_t> d = ParseDurationMillis(text);
  if (!d.ok()) {
    return Status::InvalidArgument(fmt::format("cannot parse retention period {:?}", std::string(text)),
                                   "use a number of months (e.g. 12) or a duration like 90d, 1y");
  }
  return d;
}

std::string FormatInstantMs(int64_t ms) {
  const time_t secs = static_cast<time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms - static_cast<int64_t>(secs) * 1000));
}

std::string FormatDurationMs(int64_t ms) {
  std::string out = ms < 0 ? "-" : "";
  uint64_t left = static_cast<uint64_t>(ms < 0 ? -ms : ms);
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
