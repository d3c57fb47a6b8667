#include "importer/import_verifier.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>
#include <vector>

#include "importer/target_answer.h"

namespace vmx::importer {
namespace {

// VictoriaMetrics refuses queries longer than -search.maxQueryLen (16 KiB by default).
constexpr size_t kMaxRegexBytes = 12 << 10;

// Escapes a metric name for a regex inside a double-quoted MetricsQL string.
std::string RegexLiteral(const std::string& name) {
  std::string out;
  for (const char c : name) {
    if (std::string_view(".+*?()|[]{}^$\\").find(c) != std::string_view::npos) out += "\\\\";
    if (c == '"') {
      out += "\\\"";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::vector<std::string> NameGroups(const std::set<std::string>& names) {
  std::vector<std::string> groups;
  std::string cur;
  for (const std::string& n : names) {
    std::string lit = RegexLiteral(n);
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
  Result<HttpResponse> r = client.PostForm(
      url, {{"query", query}, {"time", fmt::format("{}.{:03d}", at_ms / 1000, at_ms % 1000)}, {"nocache", "1"}});
  const std::string what = fmt::format("cannot verify the import with a query to {}", RedactUrl(url));
  if (!r.ok()) return r.status().Wrap(what);
  if (r->status != 200) {
    Status s = TargetAnswerError(what, r->status, r->body);
    return s.WithHint(s.hint().empty() ? "the data may still have arrived; check the target, or give -read-url"
                                       : s.hint());
  }
  const nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.contains("data")) {
    return Status::Unavailable(fmt::format("{}: the answer is not Prometheus JSON", what));
  }
  const auto& result = j["data"].value("result", nlohmann::json::array());
  if (result.empty()) return uint64_t{0};
  const auto& value = result[0].value("value", nlohmann::json::array());
  if (value.size() != 2 || !value[1].is_string()) return uint64_t{0};
  return static_cast<uint64_t>(std::stod(value[1].get<std::string>()));
}

}  // namespace

nlohmann::json VerificationReport::ToJson() const {
  return {{"series_sent", series_sent},   {"samples_sent", samples_sent}, {"series_found", series_found},
          {"samples_found", samples_found}, {"outcome", outcome},         {"message", message}};
}

Result<VerificationReport> VerifyImport(HttpClient& client, const VerificationRequest& req) {
  VerificationReport rep;
  rep.series_sent = req.series_sent;
  rep.samples_sent = req.samples_sent;
  if (req.samples_sent == 0 || req.metric_names.empty()) {
    rep.outcome = "skipped";
    rep.message = "nothing was sent, so there is nothing to verify";
    return rep;
  }
  const std::string window = fmt::format("{}ms", req.max_ts - req.min_ts + 1);
  const std::vector<std::string> groups = NameGroups(req.metric_names);
  if (!req.flush_url.empty()) {
    // Best effort: a single node makes buffered samples searchable at once instead of within ~10s.
    (void)client.Get(req.flush_url);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(req.timeout_seconds);
  uint64_t last_series = UINT64_MAX;
  uint64_t last_samples = UINT64_MAX;
  int stable = 0;
  while (true) {
    uint64_t series = 0;
    uint64_t samples = 0;
    for (const std::string& g : groups) {
      const std::string sel = fmt::format("{{__name__=~\"{}\"}}[{}]", g, window);
      Result<uint64_t> s = ScalarQuery(client, req.read_base, fmt::format("count(last_over_time({}))", sel), req.max_ts);
      if (!s.ok()) return s.status();
      Result<uint64_t> n = ScalarQuery(client, req.read_base, fmt::format("sum(count_over_time({}))", sel), req.max_ts);
      if (!n.ok()) return n.status();
      series += *s;
      samples += *n;
    }
    rep.series_found = series;
    rep.samples_found = samples;
    if (series == req.series_sent && samples == req.samples_sent) break;
    stable = (series == last_series && samples == last_samples) ? stable + 1 : 0;
    last_series = series;
    last_samples = samples;
    // Above the sent counts nothing more will change. Below, keep waiting: VictoriaMetrics makes
    // fresh samples searchable in steps, and a count can sit still for several seconds.
    if (samples >= req.samples_sent && series >= req.series_sent && stable >= 5) break;
    if (stable >= 20 || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (rep.series_found == rep.series_sent && rep.samples_found == rep.samples_sent) {
    rep.outcome = "verified";
    rep.message = fmt::format("the target holds all {} series and {} samples that were sent", rep.series_sent,
                              rep.samples_sent);
  } else if (rep.samples_found < rep.samples_sent || rep.series_found < rep.series_sent) {
    rep.outcome = "incomplete";
    rep.message = fmt::format(
        "mismatch: sent {} series / {} samples, the target shows {} series / {} samples; samples older "
        "than the target's retention or beyond -maxLabelsPerTimeseries are dropped by VictoriaMetrics",
        rep.series_sent, rep.samples_sent, rep.series_found, rep.samples_found);
  } else {
    rep.outcome = "more_than_sent";
    rep.message = fmt::format(
        "the target shows {} series / {} samples, at least the {} / {} sent; it already held other data "
        "with these metric names in this time range, so the check cannot be exact",
        rep.series_found, rep.samples_found, rep.series_sent, rep.samples_sent);
  }
  return rep;
}

}  // namespace vmx::importer
