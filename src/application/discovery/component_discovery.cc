#include "application/discovery/component_discovery.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "application/discovery/query_rows.h"
#include "application/export/export_selection.h"
#include "domain/export_config.h"
#include "infrastructure/obfuscation/component_classifier.h"

namespace vmx {
namespace {

// Size model of a bundle, measured on VictoriaMetrics' own metrics exported as JSON lines:
// ~22 bytes per sample (value + timestamp text), ~250 bytes of labels per series, and deflate
// shrinking that about 8x.
constexpr int64_t kBytesPerSample = 22;
constexpr int64_t kBytesPerSeries = 250;
constexpr int64_t kZipRatio = 8;
// When no scrape count is known, assume VictoriaMetrics' usual 30 s scrape interval.
constexpr int64_t kAssumedScrapeSeconds = 30;
// Points of the sampled fallback count and the window each looks back over.
constexpr int64_t kSampledPoints = 30;
constexpr const char* kSampledWindow = "5m";

const char* const kComponentOrder[] = {"vmstorage", "vminsert",        "vmselect",
                                       "vmsingle",  "vmagent",         "vmalert",
                                       "vmauth",    "vmbackupmanager", "vmanomaly"};

int OrderOf(const std::string& component) {
  for (size_t i = 0; i < std::size(kComponentOrder); ++i) {
    if (component == kComponentOrder[i]) return static_cast<int>(i);
  }
  return static_cast<int>(std::size(kComponentOrder));
}

// Per job: what vm_app_version says over the whole range.
struct JobFacts {
  std::set<std::string> instances;
  std::set<std::string> version_labels;
  std::set<std::string> short_versions;
  std::map<std::string, std::set<std::string>> version_instances;  // "" = not reported
  int64_t series = -1;  // -1: not counted
  int64_t scrapes = 0;  // samples per series over the range (from vm_app_version)
};

bool IsSampleLimitError(const Status& s) {
  const std::string& m = s.message();
  return s.code() == StatusCode::kTooLarge || s.code() == StatusCode::kTimeout ||
         m.find("maxSamplesPerQuery") != std::string::npos ||
         m.find("cannot select more than") != std::string::npos ||
         m.find("too many") != std::string::npos;
}

}  // namespace

Result<DiscoveryReport> DiscoverComponents(VmClient& client, const TimeRange& range,
                                           const DiscoveryOptions& options) {
  DiscoveryReport report;
  report.range = range;
  report.count_method = "none";
  const std::string window = RangeWindow(range);
  const UnixMillis at = range.end_ms;
  std::map<std::string, JobFacts> facts;

  // 1. vm_app_version over the whole range: one series per component instance, so cheap.
  Result<nlohmann::json> versions = client.Query(
      fmt::format(
          "count by (job, instance, version, short_version) (last_over_time(vm_app_version[{}]))",
          window),
      at);
  if (!versions.ok()) return versions.status().Wrap("cannot discover components");
  for (const auto& row : ResultRows(*versions)) {
    const auto& m = row.value("metric", nlohmann::json::object());
    const std::string job = LabelOf(m, "job");
    if (job.empty()) continue;
    JobFacts& f = facts[job];
    if (std::string i = LabelOf(m, "instance"); !i.empty()) f.instances.insert(i);
    if (std::string v = LabelOf(m, "version"); !v.empty()) f.version_labels.insert(v);
    const std::string sv = ShortVersion(LabelOf(m, "version"), LabelOf(m, "short_version"));
    if (!sv.empty()) f.short_versions.insert(sv);
    f.version_instances[sv].insert(LabelOf(m, "instance"));
  }

  // 2. No vm_app_version at all (very old builds, or relabelled away): jobs that expose
  // VictoriaMetrics' own metric prefixes. Index-only lookup over the range.
  if (facts.empty()) {
    Result<std::vector<std::string>> jobs = client.LabelValues(
        "job",
        {R"({__name__=~"vm_.+|vmagent_.+|vmalert_.+|vmauth_.+|vminsert_.+|vmselect_.+|vmstorage_.+"})"},
        range);
    if (jobs.ok()) {
      for (const std::string& j : *jobs) {
        if (!j.empty()) facts[j];
      }
      if (!jobs->empty())
        report.notes.push_back(
            "no vm_app_version series in the range: components found by metric names");
    } else {
      report.notes.push_back("cannot list jobs by metric names: " + jobs.status().message());
    }
  }

  // 3. Classify each job; thin evidence (empty version label) needs its metric names.
  std::map<std::string, JobClassification> classes;
  size_t name_lookups = 0;
  for (const auto& [job, f] : facts) {
    std::string version = f.version_labels.empty() ? "" : *f.version_labels.begin();
    JobClassification c = ClassifyJob(job, version, {});
    if (c.evidence == ComponentEvidence::kNone || c.evidence == ComponentEvidence::kJobName) {
      if (name_lookups < options.max_jobs_for_metric_names) {
        ++name_lookups;
        Result<std::vector<std::string>> names =
            client.LabelValues("__name__", {"{job=" + QuotedLabelValue(job) + "}"}, range);
        if (names.ok() && c.evidence == ComponentEvidence::kNone) {
          c = ClassifyJob(job, version, *names);
        } else if (names.ok()) {
          // The job name said one thing; metric prefixes may say something more specific
          // (a job "victoria-metrics" that really runs vmagent). A real single node, whose
          // embedded scraper shows vmagent's prefixes, comes back as "vmsingle" and stays.
          std::string by_names = ComponentFromMetricNames(*names);
          if (!by_names.empty() && by_names != c.component && by_names != "vmsingle") {
            c = {by_names, ComponentEvidence::kMetricNames};
          }
        }
      }
    }
    if (c.component.empty()) {
      c.component = "unknown";  // vm_app_version proves it is a VictoriaMetrics binary
    }
    classes[job] = c;
  }

  std::vector<std::string> all_jobs;
  for (const auto& [job, f] : facts) all_jobs.push_back(job);

  // 4. Series and instances per job over the whole range, with a sampled fallback when the
  // server refuses to read that many samples in one query.
  if (options.count_series && !all_jobs.empty()) {
    const std::string matcher = "{" + JobsMatcher(all_jobs) + "}";
    Result<nlohmann::json> counts = client.Query(
        fmt::format("count by (job, instance) (last_over_time({}[{}]))", matcher, window), at);
    if (counts.ok()) {
      report.count_method = "full_range";
      for (const auto& row : ResultRows(*counts)) {
        const auto& m = row.value("metric", nlohmann::json::object());
        auto it = facts.find(LabelOf(m, "job"));
        if (it == facts.end()) continue;
        it->second.series =
            std::max<int64_t>(it->second.series, 0) + std::llround(SampleValue(row));
        if (std::string i = LabelOf(m, "instance"); !i.empty()) it->second.instances.insert(i);
      }
    } else if (IsSampleLimitError(counts.status())) {
      const int64_t step_s = std::max<int64_t>(60, range.duration_ms() / 1000 / kSampledPoints);
      Result<nlohmann::json> sampled = client.QueryRange(
          fmt::format("count by (job, instance) (last_over_time({}[{}]))", matcher, kSampledWindow),
          range, step_s);
      if (sampled.ok()) {
        report.count_method = "sampled";
        report.notes.push_back(
            "the range holds too many samples for one query; series were counted at " +
            std::to_string(kSampledPoints) + " points in the range");
        std::map<std::pair<std::string, std::string>, int64_t> peak;
        for (const auto& row : ResultRows(*sampled)) {
          const auto& m = row.value("metric", nlohmann::json::object());
          int64_t max_value = 0;
          for (const auto& v : row.value("values", nlohmann::json::array())) {
            if (v.is_array() && v.size() == 2)
              max_value = std::max<int64_t>(max_value, std::llround(NumberOf(v[1])));
          }
          auto& p = peak[{LabelOf(m, "job"), LabelOf(m, "instance")}];
          p = std::max(p, max_value);
        }
        for (const auto& [key, n] : peak) {
          auto it = facts.find(key.first);
          if (it == facts.end()) continue;
          it->second.series = std::max<int64_t>(it->second.series, 0) + n;
          if (!key.second.empty()) it->second.instances.insert(key.second);
        }
      } else {
        report.notes.push_back("cannot count series: " + sampled.status().message());
      }
    } else {
      report.notes.push_back("cannot count series: " + counts.status().message());
    }

    // Scrapes per series over the range: vm_app_version is scraped like every other metric.
    Result<nlohmann::json> scrapes =
        client.Query(fmt::format("max by (job) (count_over_time(vm_app_version[{}]))", window), at);
    if (scrapes.ok()) {
      for (const auto& row : ResultRows(*scrapes)) {
        auto it = facts.find(LabelOf(row.value("metric", nlohmann::json::object()), "job"));
        if (it != facts.end()) it->second.scrapes = std::llround(SampleValue(row));
      }
    }
  }

  // 5. Group jobs into components.
  std::map<std::string, DiscoveredComponent> by_component;
  const int64_t default_scrapes =
      std::max<int64_t>(1, range.duration_ms() / 1000 / kAssumedScrapeSeconds);
  int64_t total_series = 0;
  for (const auto& [job, f] : facts) {
    const JobClassification& c = classes[job];
    DiscoveredComponent& d = by_component[c.component];
    d.component = c.component;
    d.jobs.push_back(job);
    d.instances.insert(f.instances.begin(), f.instances.end());
    d.versions.insert(f.short_versions.begin(), f.short_versions.end());
    report.versions_seen.Touch(c.component);
    for (const auto& [version, instances] : f.version_instances) {
      for (const std::string& i : instances) report.versions_seen.Add(c.component, version, i);
    }
    if (d.evidence == ComponentEvidence::kNone ||
        static_cast<int>(c.evidence) > static_cast<int>(d.evidence)) {
      d.evidence = c.evidence;
    }
    if (f.series >= 0) {
      d.job_series[job] = f.series;
      total_series += f.series;
      const int64_t samples = f.series * (f.scrapes > 0 ? f.scrapes : default_scrapes);
      d.estimated_samples += samples;
      report.estimated_samples += samples;
    }
  }
  for (auto& [name, d] : by_component) {
    std::sort(d.jobs.begin(), d.jobs.end());
    report.components.push_back(std::move(d));
  }
  std::stable_sort(report.components.begin(), report.components.end(),
                   [](const DiscoveredComponent& a, const DiscoveredComponent& b) {
                     return OrderOf(a.component) < OrderOf(b.component);
                   });
  report.estimated_uncompressed_bytes =
      report.estimated_samples * kBytesPerSample + total_series * kBytesPerSeries;
  report.estimated_bundle_bytes = report.estimated_uncompressed_bytes / kZipRatio;

  // 6. Every other job, for custom selectors (index-only).
  Result<std::vector<std::string>> jobs = client.LabelValues("job", {}, range);
  if (jobs.ok()) {
    for (const std::string& j : *jobs) {
      if (!j.empty() && facts.find(j) == facts.end() && report.other_jobs.size() < 1000)
        report.other_jobs.push_back(j);
    }
  }
  return report;
}

nlohmann::json DiscoveryReport::ToJson() const {
  nlohmann::json comps = nlohmann::json::array();
  int64_t series_total = 0;
  for (const DiscoveredComponent& c : components) {
    nlohmann::json job_metrics = nlohmann::json::object();
    int64_t series = 0;
    for (const auto& [job, n] : c.job_series) {
      job_metrics[job] = n;
      series += n;
    }
    series_total += series;
    nlohmann::json versions = nlohmann::json::array();
    for (const std::string& v : c.versions) versions.push_back(v);
    comps.push_back({{"component", c.component},
                     {"jobs", c.jobs},
                     {"instance_count", c.instances.size()},
                     {"metrics_count_estimate", series},
                     {"job_metrics", job_metrics},
                     {"version", versions_seen.Newest(c.component)},
                     {"versions", versions},
                     {"versions_seen", versions_seen.ToJson(c.component)},
                     {"evidence", EvidenceName(c.evidence)},
                     {"estimated_samples", c.estimated_samples}});
  }
  nlohmann::json estimate = {{"series", series_total},
                             {"estimated_samples", estimated_samples},
                             {"estimated_bundle_bytes", estimated_bundle_bytes},
                             {"estimated_uncompressed_bytes", estimated_uncompressed_bytes}};
  return {{"components", comps},
          {"other_jobs", other_jobs},
          {"time_range", TimeRangeToJson(range)},
          {"count_method", count_method},
          {"estimate", estimate},
          {"estimated_samples", estimated_samples},
          {"estimated_bundle_bytes", estimated_bundle_bytes},
          {"notes", notes}};
}

}  // namespace vmx
