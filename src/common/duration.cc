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

// RFC 3339 -> ms, without depending on the domain layer (common sits below it).
bool ParseRfc3339Millis(std::string_view s, int64_t* out) {
  std::tm tm{};
  int frac_ms = 0;
  int off_sign = 0, off_h = 0, off_m = 0;
  std::string str(s);
  int consumed = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 || consumed != 19) {
    return false;
  }
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (digits < 3) frac_ms = frac_ms * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    for (int d = digits; d < 3; ++d) frac_ms *= 10;
  }
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    off_sign = s[pos] == '+' ? 1 : -1;
    if (std::sscanf(str.c_str() + pos + 1, "%2d:%2d", &off_h, &off_m) != 2) return false;
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size() || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    return false;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const int64_t secs = static_cast<int64_t>(timegm(&tm)) - off_sign * (off_h * 3600 + off_m * 60);
  *out = secs * 1000 + frac_ms;
  return true;
}

}  // namespace

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
  int64_t ms = 0;
  if (ParseRfc3339Millis(text, &ms)) return ms;
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
