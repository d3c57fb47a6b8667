#include "importer/target_probe.h"

#include <fmt/format.h>

#include <charconv>
#include <string_view>
#include <vector>

#include "importer/target_answer.h"
#include "importer/time_text.h"

namespace vmx::importer {
namespace {

// Finds the value of flag{name="<name>", value="<v>", ...} in a /metrics page.
std::optional<std::string> FlagValue(std::string_view page, std::string_view name) {
  const std::string needle = fmt::format("flag{{name=\"{}\", value=\"", name);
  const size_t at = page.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  const size_t start = at + needle.size();
  const size_t end = page.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  return std::string(page.substr(start, end - start));
}

Status HttpFailure(const std::string& what, const Result<HttpResponse>& r) {
  if (!r.ok()) return r.status().Wrap(what);
  return TargetAnswerError(what, r->status, r->body);
}

}  // namespace

TargetFlags ReadTargetFlags(HttpClient& client, const ImportTarget& target) {
  // A vminsert knows the label limit but not the retention (a vmstorage flag); a vmselect or a
  // single node behind the read URL may know the retention: take each from the first page
  // that has it.
  TargetFlags flags;
  std::vector<std::string> sources;
  for (const std::string& url : target.metrics_urls) {
    if (flags.retention_ms && flags.max_labels_per_series) break;
    Result<HttpResponse> r = client.Get(url);
    if (!r.ok() || r->status != 200) continue;
    bool used = false;
    if (!flags.retention_ms) {
      if (const std::optional<std::string> retention = FlagValue(r->body, "retentionPeriod")) {
        Result<int64_t> ms = ParseRetentionMs(*retention);
        if (ms.ok()) {
          flags.retention_text = *retention;
          flags.retention_ms = *ms;
          used = true;
        }
      }
    }
    if (!flags.max_labels_per_series) {
      if (const auto labels = FlagValue(r->body, "maxLabelsPerTimeseries")) {
        int n = 0;
        const auto res = std::from_chars(labels->data(), labels->data() + labels->size(), n);
        if (res.ec == std::errc()) {
          flags.max_labels_per_series = n;
          used = true;
        }
      }
    }
    if (used) sources.push_back(RedactUrl(url));
  }
  for (const std::string& s : sources) flags.source += (flags.source.empty() ? "" : ", ") + s;
  return flags;
}

Status CheckWriteAccess(HttpClient& client, const ImportTarget& target) {
  Result<HttpResponse> r = client.Post(target.write_url, "", "application/jsonl");
  if (r.ok() && r->status >= 200 && r->status < 300) return Status::Ok();
  return HttpFailure(fmt::format("cannot write to {}", RedactUrl(target.write_url)), r);
}

Status CheckReadAccess(HttpClient& client, const ImportTarget& target) {
  const std::string url = target.read_base + "/api/v1/query";
  Result<HttpResponse> r = client.PostForm(url, {{"query", "vector(1)"}});
  if (r.ok() && r->status == 200) return Status::Ok();
  return HttpFailure(fmt::format("cannot query {}", RedactUrl(url)), r);
}

}  // namespace vmx::importer
