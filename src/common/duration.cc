#include "common/duration.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <string>

namespace vmx {
namespace {

int64_t UnitMillis(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s" || unit.empty()) return 1000;
  if (unit == "m") return 60'000;
  if (unit == "h") return 3'600'000;
  if (unit == "d") return 86'400'000;
  if (unit == "w") return 7 * 86'400'000LL;
  if (unit == "y") return 365 * 86'400'000LL;
  return 0;
}

bool ReadInt(std::string_view s, size_t pos, size_t len, int* out) {
  if (pos + len > s.size()) return false;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  std::from_chars(s.data() + pos, s.data() + pos + len, *out);
  return true;
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

Result<int64_t> ParseRfc3339Millis(std::string_view s) {
  const auto bad = [&] {
    return Status::InvalidArgument(
        fmt::format("{:?} is not an RFC 3339 time; use e.g. 2025-01-02T15:04:05Z", std::string(s)));
  };
  int year = 0, mon = 0, day = 0, hh = 0, mm = 0, ss = 0;
  if (s.size() < 20 || !ReadInt(s, 0, 4, &year) || s[4] != '-' || !ReadInt(s, 5, 2, &mon) ||
      s[7] != '-' || !ReadInt(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !ReadInt(s, 11, 2, &hh) || s[13] != ':' || !ReadInt(s, 14, 2, &mm) || s[16] != ':' ||
      !ReadInt(s, 17, 2, &ss)) {
    return bad();
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return bad();
  size_t pos = 19;
  int64_t frac_ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) frac_ms = frac_ms * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad();
    for (int d = digits; d < 3; ++d) frac_ms *= 10;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!ReadInt(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ReadInt(s, pos + 4, 2, &om)) {
      return bad();
    }
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  const int64_t days = DaysFromCivil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day));
  const int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - offset_s;
  return secs * 1000 + frac_ms;
}

Result<int64_t> ParseDurationMillis(std::string_view text) {
  std::string_view s = text;
  const auto bad = [&] {
    return Status::InvalidArgument(fmt::format(
        "{:?} is not a duration; use e.g. 30s, 5m, 1h30m, 2d or 1w", std::string(text)));
  };
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return bad();
  double total = 0;
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) ++n;
    if (n == 0) return bad();
    double value = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + n, value);
    if (ec != std::errc() || p != s.data() + n) return bad();
    s.remove_prefix(n);
    size_t u = 0;
    while (u < s.size() && std::isalpha(static_cast<unsigned char>(s[u]))) ++u;
    const int64_t unit = UnitMillis(s.substr(0, u));
    if (unit == 0) return bad();
    s.remove_prefix(u);
    total += value * static_cast<double>(unit);
  }
  if (total > 1e17) return bad();
  const int64_t ms = static_cast<int64_t>(std::llround(total));
  return negative ? -ms : ms;
}

Result<int64_t> ParseTimeArg(std::string_view text, int64_t now_ms) {
  if (text == "now") return now_ms;
  if (text.starts_with("now")) {
    Result<int64_t> d = ParseDurationMillis(text.substr(3));
    if (!d.ok()) return d.status();
    return now_ms + *d;
  }
  if (!text.empty() && text.front() == '-') {
    Result<int64_t> d = ParseDurationMillis(text.substr(1));
    if (!d.ok()) return d.status();
    return now_ms - *d;
  }
  if (Result<int64_t> ms = ParseRfc3339Millis(text); ms.ok()) return ms;
  double secs = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), secs);
  if (!text.empty() && ec == std::errc() && p == text.data() + text.size() && secs >= 0) {
    return static_cast<int64_t>(std::llround(secs * 1000));
  }
  return Status::InvalidArgument(fmt::format(
      "{:?} is not a time; use RFC 3339 (2025-01-02T15:04:05Z), Unix seconds, now, or a relative "
      "time such as -24h",
      std::string(text)));
}

}  // namespace vmx
