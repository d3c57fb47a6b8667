#include "importer/import_verifier.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "importer/target_answer.h"

namespace vmx::importer {
namespace {

// VictoriaMetrics refuses queries longer than -search.maxQueryLen (16 KiB by default).
constexpr size_t kMaxRegexBytes = 12 << 10;

// A metric name as a regex matching exactly it (RE2 syntax).
std::string RegexEscape(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (std::string_view(".+*?()|[]{}^$\\").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// `text` inside a double-quoted MetricsQL string: backslash and quote escaped, once.
std::string QuotedString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '\\' || c == '"') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// Alternations of escaped names, each short enough for one query.
std::vector<std::string> NameGroups(const std::set<std::string, std::less<>>& names) {
  std::vector<std::string> groups;
  std::string cur;
  for (const std::string& n : names) {
    std::string lit = RegexEscape(n);
    if (!cur.empty() && cur.size() + lit.size() + 1 > kMaxRegexBytes) {
      groups.push_back(std::move(cur));
      cur.clear();
    }
    if (!cur.empty()) cur.push_back('|');
    cur += lit;
  }
  if (!cur.empty()) groups.push_back(std::move(cur));
  return groups;
}

Result<uint64_t> ScalarQuery(HttpClient& client, const std::string& read_base, const std::string& query,
                             int64_t at_ms) {
  const std::string url = read_base + "/api/v1/query";
  const int64_t secs = at_ms / 1000 - (at_ms % 1000 < 0 ? 1 : 0);
  Result<HttpResponse> r = client.PostForm(
      url, {{"query", query}, {"time", fmt::format("{}.{:03d}", secs, at_ms - secs * 1000)}, {"nocache", "1"}});
  const std::string what = fmt::format("cannot count the imported samples with a query to {}", RedactUrl(url));
  if (!r.ok()) return r.status().Wrap(what);
  if (r->status != 200) {
    Status s = TargetAnswerError(what, r->status, r->body);
    return s.WithHint(s.hint().empty() ? "give a URL that answers queries as the read URL (-read-url)" : s.hint());
  }
  const nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.contains("data") || !j["data"].is_object()) {
    return Status::Unavailable(fmt::format("{}: the answer is not Prometheus JSON", what),
                               "give a URL that answers queries as the read URL (-read-url)");
  }
  const auto& result = j["data"].value("result", nlohmann::json::array());
  if (!result.is_array() || result.empty()) return uint64_t{0};
  const auto& value = result[0].value("value", nlohmann::json::array());
  if (value.size() != 2 || !value[1].is_string()) return uint64_t{0};
  return static_cast<uint64_t>(std::strtod(value[1].get<std::string>().c_str(), nullptr));
}

bool Canceled(const VerificationRequest& req) { return req.cancel != nullptr && req.cancel->load(); }

// Sleeps up to `d`, waking early on cancel.
void SleepUnlessCanceled(const VerificationRequest& req, std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!Canceled(req) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

nlohmann::json VerificationReport::ToJson() const {
  nlohmann::json j = {{"series_sent", series_sent},   {"samples_sent", samples_sent},
                      {"series_found", series_found}, {"samples_found", samples_found},
                      {"samples_beyond", samples_beyond}, {"outcome", outcome},
                      {"message", message}};
  j["baseline"] = baseline ? nlohmann::json{{"series", baseline->series}, {"samples", baseline->samples}}
                           : nlohmann::json(nullptr);
  return j;
}

Result<SampleCounts> CountAtTarget(HttpClient& client, const std::string& read_base,
                                   const std::set<std::string, std::less<>>& metric_names, int64_t min_ts,
                                   int64_t max_ts) {
  SampleCounts counts;
  const std::string window = fmt::format("{}ms", static_cast<uint64_t>(max_ts) - static_cast<uint64_t>(min_ts) + 1);
  for (const std::string& g : NameGroups(metric_names)) {
    const std::string sel = fmt::format("{{__name__=~{}}}[{}]", QuotedString(g), window);
    Result<uint64_t> s = ScalarQuery(client, read_base, fmt::format("count(last_over_time({}))", sel), max_ts);
    if (!s.ok()) return s.status();
    Result<uint64_t> n = ScalarQuery(client, read_base, fmt::format("sum(count_over_time({}))", sel), max_ts);
    if (!n.ok()) return n.status();
    counts.series += *s;
    counts.samples += *n;
  }
  return counts;
}

VerificationReport NotVerified(const VerificationRequest& req, const Status& why) {
  VerificationReport rep;
  rep.series_sent = req.series_sent;
  rep.samples_sent = req.samples_sent;
  rep.baseline = req.baseline;
  rep.outcome = "not_verified";
  rep.message = fmt::format("imported, not verified: {}{}", why.message(),
                            why.hint().empty() ? "" : fmt::format(" ({})", why.hint()));
  return rep;
}

Result<VerificationReport> VerifyImport(HttpClient& client, const VerificationRequest& req) {
  VerificationReport rep;
  rep.series_sent = req.series_sent;
  rep.samples_sent = req.samples_sent;
  rep.baseline = req.baseline;
  if (req.samples_sent == 0 || req.metric_names.empty()) {
    rep.outcome = "skipped";
    rep.message = "nothing was sent, so there is nothing to verify";
    return rep;
  }
  const SampleCounts before = req.baseline.value_or(SampleCounts{});
  const uint64_t want_samples = before.samples + req.samples_sent;
  if (!req.flush_url.empty()) {
    // Best effort: a single node makes buffered samples searchable at once instead of within ~10s.
    (void)client.Get(req.flush_url);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(req.timeout_seconds);
  SampleCounts last{UINT64_MAX, UINT64_MAX};
  int stable = 0;
  while (true) {
    if (Canceled(req)) return Status::Canceled();
    Result<SampleCounts> now = CountAtTarget(client, req.read_base, req.metric_names, req.min_ts, req.max_ts);
    if (!now.ok()) return NotVerified(req, now.status());
    rep.series_found = now->series;
    rep.samples_found = now->samples;
    const bool series_ok = now->series >= req.series_sent;
    if (series_ok && now->samples == want_samples) break;
    stable = (now->series == last.series && now->samples == last.samples) ? stable + 1 : 0;
    last = *now;
    // Above the expected count nothing more will change. Below, keep waiting: VictoriaMetrics
    // makes fresh samples searchable in steps, and a count can sit still for several seconds.
    if (now->samples >= want_samples && series_ok && stable >= 3) break;
    if (stable >= 20 || std::chrono::steady_clock::now() > deadline) break;
    SleepUnlessCanceled(req, std::chrono::seconds(1));
  }
  if (Canceled(req)) return Status::Canceled();
  const bool series_ok = rep.series_found >= rep.series_sent;
  if (series_ok && rep.samples_found == want_samples) {
    rep.outcome = "verified";
    rep.message = fmt::format("the target holds all {} series and {} samples that were sent", rep.series_sent,
                              rep.samples_sent);
    if (before.samples > 0) {
      rep.message += fmt::format(", besides the {} samples it held in this range before", before.samples);
    }
  } else if (!series_ok || rep.samples_found < want_samples) {
    rep.outcome = "incomplete";
    rep.message = fmt::format(
        "mismatch: sent {} series / {} samples{}, the target shows {} series / {} samples; samples older "
        "than the target's retention or beyond -maxLabelsPerTimeseries are dropped by VictoriaMetrics",
        rep.series_sent, rep.samples_sent,
        before.samples > 0 ? fmt::format(" onto {} samples held before", before.samples) : "", rep.series_found,
        rep.samples_found);
  } else if (req.baseline) {
    rep.outcome = "duplicates";
    rep.samples_beyond = rep.samples_found - want_samples;
    rep.message = fmt::format(
        "the target holds {} samples beyond the bundle: {} found = {} held before + {} sent + {} stored twice "
        "(a batch retried after a timeout or reset that the target had already stored)",
        rep.samples_beyond, rep.samples_found, before.samples, rep.samples_sent, rep.samples_beyond);
  } else {
    rep.outcome = "more_than_sent";
    rep.message = fmt::format(
        "the target shows {} samples, {} more than the {} sent; what it held before was not counted, so "
        "duplicates cannot be told from earlier data",
        rep.samples_found, rep.samples_found - rep.samples_sent, rep.samples_sent);
  }
  return rep;
}

}  // namespace vmx::importer
