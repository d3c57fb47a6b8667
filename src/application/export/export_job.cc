#include "application/export/export_job.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>

#include "application/discovery/cluster_jobs.h"
#include "application/discovery/component_evidence.h"
#include "application/discovery/job_component_hints.h"
#include "application/discovery/query_rows.h"
#include "application/export/export_selection.h"
#include "application/export/staged_exports.h"
#include "application/export/staging_lock.h"
#include "application/obfuscator_registry.h"
#include "common/safe_file.h"
#include "common/version.h"
#include "infrastructure/archive/bundle_metadata.h"
#include "infrastructure/archive/sha256_stream.h"
#include "infrastructure/obfuscation/leak_guard.h"
#include "infrastructure/vm/url_normalizer.h"

namespace fs = std::filesystem;

namespace vmx {
namespace {

constexpr int64_t kDefaultQueryRangeStepSeconds = 30;
constexpr uint64_t kUnknownSeriesEstimate = 10'000;

// The number of series the selector matches on the day of `t`, read from VictoriaMetrics' index
// (/api/v1/status/tsdb reads no sample: 0.02 CPU s for 95k series, where count() at an instant
// took 1.5 CPU s and 2 s before the first window could start). NotFound when the index
// statistics are not served at this URL (a proxy without the route, an old build).
Result<uint64_t> IndexedSeriesOn(VmClient& client, const std::string& match, UnixMillis t) {
  const time_t seconds = static_cast<time_t>(t / 1000);
  std::tm day{};
  gmtime_r(&seconds, &day);
  Result<nlohmann::json> data = client.Get(
      "/api/v1/status/tsdb",
      {{"match[]", match},
       {"date", fmt::format("{:04}-{:02}-{:02}", day.tm_year + 1900, day.tm_mon + 1, day.tm_mday)},
       {"topN", "1"}});
  if (!data.ok()) return data.status();
  const auto total = data->find("totalSeries");
  if (total == data->end() || !total->is_number_unsigned()) {
    return Status::NotFound("the index statistics hold no totalSeries");
  }
  return total->get<uint64_t>();
}

// The number of series the selector matches at instant `t` (5 minutes of look-back).
Result<uint64_t> CountSeriesAt(VmClient& client, const std::string& match, UnixMillis t) {
  Result<nlohmann::json> data = client.Query("count(" + match + ")", t);
  if (!data.ok()) return data.status();
  const nlohmann::json& result = (*data)["result"];
  if (!result.is_array() || result.empty()) return uint64_t{0};
  try {
    return static_cast<uint64_t>(std::stod(result[0]["value"][1].get<std::string>()));
  } catch (const std::exception&) {
    return Status::Unavailable("cannot count series: the answer holds no number");
  }
}

// "vmstorage-20230210-…" -> "vmstorage", "victoria-metrics-20230210-…" -> "victoria-metrics".
std::string ComponentOfVersion(const std::string& version) {
  for (size_t i = 0; i + 1 < version.size(); ++i) {
    if (version[i] == '-' && std::isdigit(static_cast<unsigned char>(version[i + 1])))
      return version.substr(0, i);
  }
  return version;
}

// Creates `dir` if needed and proves a file can be created in it (a unique name, never followed
// through a symlink).
Status ProbeWritableDir(const std::string& dir, const char* what, const char* hint) {
  std::error_code ec;
  const std::string where = dir.empty() ? "." : dir;
  fs::create_directories(where, ec);
  // A unique name (mkstemp), never a fixed one a local user could plant a symlink under.
  const Status probe = ec ? Status::Storage(ec.message()) : ProbeCanCreateFiles(where);
  if (!probe.ok())
    return Status::Storage(
        fmt::format("cannot write to the {} {}: {}", what, where, probe.message()), hint);
  return Status::Ok();
}

std::string RangeText(const TimeRange& r) {
  return FormatRfc3339(r.start_ms) + " .. " + FormatRfc3339(r.end_ms);
}

JournalWindow JournalRecord(const TimeRange& range, const WindowStats& stats,
                            const std::vector<std::string>& jobs) {
  return {range,
          true,
          {{"lines", stats.lines},
           {"samples", stats.samples},
           {"bytes", stats.bytes},
           {"crc32", stats.crc32},
           {"deflated_bytes", stats.deflated_bytes},
           {"source", stats.source},
           {"jobs", jobs}}};
}

}  // namespace

std::string StagedKeyCheck(const std::string& key, const std::string& job_id) {
  return key.empty() ? "" : HmacSha256Hex(key, "vmexporter staged export " + job_id).substr(0, 32);
}

ExportJob::ExportJob(std::string id, ExportConfig config, ExportJobOptions options)
    : id_(std::move(id)), config_(std::move(config)), options_(std::move(options)) {}

ExportJob::~ExportJob() {
  scheduler_.Cancel();
  std::lock_guard<std::mutex> control(control_mu_);
  if (runner_.joinable()) runner_.join();
}

Status ExportJob::Start() { return Launch(nullptr); }

Status ExportJob::StartFromStaging(const nlohmann::json& manifest) { return Launch(&manifest); }

HttpClientOptions ExportJob::Transport() const {
  HttpClientOptions o;
  o.connect_timeout = options_.connect_timeout;
  o.stall_timeout = options_.stall_timeout;
  o.cancel = &scheduler_.stop_flag();
  return o;
}

void ExportJob::Connect() {
  client_ = std::make_unique<VmClient>(config_.connection, Transport());
  rw_fallback_client_.reset();
  if (std::optional<std::string> alt = ExportFallbackApiUrl(config_.connection)) {
    Connection c = config_.connection;
    c.full_api_url = *alt;
    rw_fallback_client_ = std::make_unique<VmClient>(c, Transport());
  }
  shared_.client = client_.get();
  shared_.rw_fallback_client = rw_fallback_client_.get();
}

void ExportJob::ReleaseConnections() {
  // A finished job keeps no sockets or curl handles; Resume connects again.
  shared_.client = nullptr;
  shared_.rw_fallback_client = nullptr;
  client_.reset();
  rw_fallback_client_.reset();
}

Status ExportJob::Launch(const nlohmann::json* staged) {
  std::lock_guard<std::mutex> control(control_mu_);
  Result<Connection> conn = NormalizeConnection(config_.connection);
  if (!conn.ok()) return conn.status().Wrap("connection");
  config_.connection = *conn;
  Connect();
  // Of the jobs as asked for (none: every job), before discovery fills them in: a resume gives
  // the same -jobs again, not the list discovery found.
  originals_check_ = StagedOriginalsCheck(config_, id_);
  const std::atomic<bool>& stop = scheduler_.stop_flag();
  // A fresh export that cannot reach VictoriaMetrics at all fails now with the connection error;
  // a resume rides out an outage like the windows do (it was reachable before).
  RetryPolicy start_retry = options_.retry;
  start_retry.retry_unreachable = staged != nullptr;
  const auto on_start_retry = [this](const RetryNote& note) {
    spdlog::info("export {}: retrying (attempt {}, next in {} ms): {}", id_, note.attempt + 1,
                 note.delay.count(), note.cause.message());
  };
  if (Status s = CallWithRetries(
          start_retry, stop, [&] { return ResolveClusterJobs(config_, *client_); }, on_start_retry);
      !s.ok()) {
    return s;
  }
  Result<ExportSelection> selection = SelectionFor(config_);
  if (!selection.ok()) return selection.status();
  shared_.selection = *selection;
  shared_.retry = options_.retry;
  shared_.compression_level = options_.compression_level;
  shared_.stop = &scheduler_.stop_flag();
  shared_.on_retry = [this](const TimeRange& w, const RetryNote& note) {
    spdlog::info("export {}: retrying window {} (attempt {}, next in {} ms): {}", id_, RangeText(w),
                 note.attempt + 1, note.delay.count(), note.cause.message());
    scheduler_.NoteRetry(w, note);
  };
  const int64_t step_s = config_.metric_step_seconds;
  shared_.query_range_step_s = step_s > 0 ? step_s : kDefaultQueryRangeStepSeconds;
  // Windows end on step multiples so no dedup bucket (or query_range grid) straddles two windows.
  grid_ = step_s > 0
              ? WindowGrid{step_s * 1000, 0}
              : WindowGrid{kDefaultQueryRangeStepSeconds * 1000, config_.time_range.start_ms};
  // Job pseudonyms and IP groups must name the component discovery found (without the hint the
  // obfuscator can only guess from metric names), and metadata.json names the components and
  // their versions. Not fatal: the guess remains.
  Status hints = CallWithRetries(
      start_retry, stop, [&] { return ResolveJobComponents(config_, *client_); }, on_start_retry);
  if (hints.code() == StatusCode::kCanceled) return hints;
  if (!start_retry.retry_unreachable && IsUnreachable(hints)) return hints;
  if (!hints.ok()) spdlog::warn("{}", hints.ToString());
  if (config_.obfuscation.enabled || !config_.obfuscation.drop_labels.empty()) {
    obfuscator_ = ObfuscatorFor(config_.obfuscation);
    TeachJobComponents(config_, *obfuscator_);
    const std::vector<std::string> match = shared_.selection.metricsql
                                               ? std::vector<std::string>{}
                                               : std::vector{shared_.selection.match};
    if (Status taught = TeachSelection(config_, *client_, match, *obfuscator_); !taught.ok()) {
      spdlog::warn("{}", taught.ToString());
    }
  }

  // Unwritable directories fail here, before anything is fetched.
  if (Status s =
          ProbeWritableDir(options_.output_dir, "output dir", "choose a writable output directory");
      !s.ok()) {
    return s;
  }
  Result<StagingArea> staging = StagingArea::Open(config_.staging_dir, id_);
  if (!staging.ok()) return staging.status();
  {
    std::lock_guard<std::mutex> lock(mu_);  // the status view reads it while the job starts
    staging_ = *staging;
  }
  // Held while this job lives: no other process lists it as unfinished, resumes or discards it.
  Result<StagingLock> held = StagingLock::Acquire(staging_.dir());
  if (!held.ok()) return held.status();
  staging_lock_ = std::move(*held);
  if (Status s = ProbeWritableDir(staging_.dir(), "staging dir",
                                  "set staging_dir to a writable directory");
      !s.ok()) {
    return s;
  }
  journal_ = StagingJournal(staging_.dir());
  std::map<UnixMillis, ScheduledWindow> windows;
  if (staged != nullptr) {
    Result<std::map<UnixMillis, ScheduledWindow>> restored = RestoreWindows(*staged);
    if (!restored.ok()) return restored.status();
    windows = std::move(*restored);
  } else {
    uint64_t series = kUnknownSeriesEstimate;
    bool index_served = true, estimated = false;
    if (!shared_.selection.metricsql) {
      // One estimate is enough to size windows: the index's count of the day, or where the index
      // statistics are not served, count() (a pass over the series' samples); the start of the
      // range only when nothing lives at its end.
      Result<uint64_t> n = uint64_t{0};
      const auto count_at = [&](UnixMillis t) {
        return CallWithRetries(
            start_retry, stop,
            [&] {
              if (index_served) {
                n = IndexedSeriesOn(*client_, shared_.selection.match, t);
                // Anything but an answer or an unreachable server (a proxy without the route,
                // an old build, a busy gateway) moves to count() for good.
                if (n.ok() || IsUnreachable(n.status())) return n.status();
                index_served = false;
              }
              n = CountSeriesAt(*client_, shared_.selection.match, t);
              return n.status();
            },
            on_start_retry);
      };
      Status counted = count_at(config_.time_range.end_ms);
      if (counted.ok() && *n == 0) {
        counted =
            count_at(std::min(config_.time_range.start_ms + 300'000, config_.time_range.end_ms));
      }
      if (counted.code() == StatusCode::kCanceled) return counted;
      if (!start_retry.retry_unreachable && IsUnreachable(counted)) return counted;
      if (counted.ok()) {
        series = *n;
        estimated = true;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      window_ms_ = WindowMillisFor(config_, series);
      if (estimated) {
        series_estimate_ = {{"series", series}, {"source", index_served ? "index" : "count"}};
      }
    }
    const std::vector<TimeRange> plan = PlanWindows(config_.time_range, window_ms_, grid_);
    if (plan.size() > options_.max_windows) {
      return Status::InvalidArgument(
          fmt::format(
              "the export would need {} windows of {} s for {} .. {}; at most {} are allowed",
              plan.size(), window_ms_ / 1000, FormatRfc3339(config_.time_range.start_ms),
              FormatRfc3339(config_.time_range.end_ms), options_.max_windows),
          "use a larger window (-batch-window, batching.custom_interval_seconds), a shorter range "
          "(-start/-end), or raise -export.maxWindows");
    }
    for (const TimeRange& w : plan)
      windows[w.start_ms] = ScheduledWindow{w, ScheduledWindow::State::kPending, {}, {}};
    created_ms_ = NowMillis();
  }
  archive_name_ =
      config_.archive_name.empty() ? BundleFileName(id_, created_ms_) : config_.archive_name;
  if (archive_name_.size() < 4 || archive_name_.substr(archive_name_.size() - 4) != ".zip")
    archive_name_ += ".zip";
  CollectVmVersions();

  const size_t ahead =
      options_.max_windows_ahead > 0
          ? options_.max_windows_ahead
          : std::max<size_t>(8, 4 * static_cast<size_t>(std::max(1, options_.parallelism)));
  scheduler_.Load(config_.time_range, grid_, std::move(windows), ahead);
  std::vector<JournalWindow> plan;
  for (const ScheduledWindow& w : scheduler_.Windows()) {
    const bool done = w.state == ScheduledWindow::State::kDone;
    plan.push_back(done ? JournalRecord(w.range, w.stats, w.jobs)
                        : JournalWindow{w.range, false, {}});
  }
  if (Status s = journal_.Compact(ManifestHeader(), plan); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  if (cancel_requested_) return Status::Canceled();
  BeginRunLocked();
  return Status::Ok();
}

void ExportJob::BeginRunLocked() {
  scheduler_.BeginRun();
  failure_ = Status::Ok();
  state_ = ExportJobState::kRunning;
  run_started_ = std::chrono::steady_clock::now();
  run_started_ms_ = NowMillis();
  completed_at_ms_ = 0;
  runner_ = std::thread(&ExportJob::Run, this);
}

Result<std::map<UnixMillis, ScheduledWindow>> ExportJob::RestoreWindows(
    const nlohmann::json& manifest) {
  const std::string where = staging_.dir() + "/manifest.json";
  if (manifest.value("key_check", "") != StagedKeyCheck(config_.obfuscation.key, id_)) {
    return Status::InvalidArgument(
        fmt::format("the obfuscation key does not match the one export {} was started with", id_),
        "give the same obfuscation key again: pseudonyms of the completed windows depend on it");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    window_ms_ = manifest.value("window_ms", int64_t{0});
    if (manifest.contains("series_estimate")) series_estimate_ = manifest["series_estimate"];
  }
  created_ms_ = manifest.value("created_ms", NowMillis());
  std::map<UnixMillis, ScheduledWindow> windows;
  UnixMillis covered = config_.time_range.start_ms;
  for (const JournalWindow& jw : StagingJournal::WindowsOf(manifest)) {
    ScheduledWindow window;
    window.range = jw.range;
    if (window.range.start_ms != covered || window.range.end_ms <= window.range.start_ms) {
      return Status::InvalidArgument(fmt::format("{} does not describe consecutive windows", where),
                                     "start the export again");
    }
    covered = window.range.end_ms;
    std::error_code ec;
    const uint64_t on_disk = fs::file_size(staging_.DeflatedPath(window.range), ec);
    const nlohmann::json& r = jw.record;
    if (jw.completed && !ec && on_disk == r.value("deflated_bytes", uint64_t{0})) {
      window.state = ScheduledWindow::State::kDone;
      window.stats = {r.value("lines", uint64_t{0}),
                      r.value("samples", uint64_t{0}),
                      r.value("bytes", uint64_t{0}),
                      r.value("crc32", uint32_t{0}),
                      on_disk,
                      r.value("source", "export")};
      window.jobs = r.value("jobs", std::vector<std::string>{});
    }
    windows[window.range.start_ms] = std::move(window);
  }
  if (covered != config_.time_range.end_ms) {
    return Status::InvalidArgument(fmt::format("{} does not cover the export's time range", where),
                                   "start the export again");
  }
  return windows;
}

void ExportJob::CollectVmVersions() {
  for (const std::string& c : config_.components) vm_versions_.Touch(c);
  for (const auto& [job, component] : config_.job_components) vm_versions_.Touch(component);
  // Cluster mode asks for the chosen jobs; custom mode for the VictoriaMetrics jobs the selector
  // reaches (a MetricsQL query names none).
  std::string match = shared_.selection.match;
  if (config_.mode != ExportMode::kCluster) {
    if (config_.job_components.empty()) return;
    std::vector<std::string> jobs;
    for (const auto& [job, component] : config_.job_components) jobs.push_back(job);
    match = "{" + JobsMatcher(jobs) + "}";
  }
  const bool any_component = config_.mode == ExportMode::kCluster && vm_versions_.empty();
  // Every instance over the whole range: a cluster mid-upgrade runs two versions.
  Result<nlohmann::json> data = client_->Query(
      fmt::format(
          "count by (job, instance, version, short_version) (last_over_time(vm_app_version{}[{}]))",
          match, RangeWindow(config_.time_range)),
      config_.time_range.end_ms);
  if (!data.ok() || !(*data)["result"].is_array()) return;
  for (const nlohmann::json& r : (*data)["result"]) {
    const nlohmann::json& m = r["metric"];
    const std::string label = m.value("version", "");
    // The job's component as discovery found it; the version label names it otherwise. Debian's
    // builds report no version at all: they are counted under "".
    auto job = config_.job_components.find(m.value("job", ""));
    const std::string component =
        job != config_.job_components.end() ? job->second : ComponentOfVersion(label);
    if (component.empty() || (!any_component && !vm_versions_.Has(component))) continue;
    vm_versions_.Add(component, ShortVersion(label, m.value("short_version", "")),
                     m.value("instance", ""));
  }
}

nlohmann::json ExportJob::ManifestHeader() const {
  // Everything a later process needs to continue, except secrets (credentials and the
  // obfuscation key are asked for again; the key is checked against key_check) and, with
  // obfuscation on, originals (checked against originals_check).
  return {{"job_id", id_},
          {"tool_version", std::string(Version())},
          {"time_range", TimeRangeToJson(config_.time_range)},
          {"archive_name", archive_name_},
          {"obfuscated", config_.obfuscation.enabled},
          {"keyed", !config_.obfuscation.key.empty()},
          {"key_check", StagedKeyCheck(config_.obfuscation.key, id_)},
          {"created_ms", created_ms_},
          {"window_ms", window_ms_},
          {"series_estimate", series_estimate_},
          {"originals_check", originals_check_},
          {"config", StagedConfigJson(config_)}};
}

void ExportJob::Run() {
  std::vector<std::thread> workers;
  for (int i = 0; i < std::max(1, options_.parallelism); ++i)
    workers.emplace_back([this] { WorkerLoop(); });
  Status s = Assemble();
  if (!s.ok()) scheduler_.Fail(s);  // stops the workers; a cancel or an earlier failure wins
  for (std::thread& t : workers) t.join();
  if (s.ok()) {
    if (Status rm = staging_.Remove(); !rm.ok()) spdlog::warn("export {}: {}", id_, rm.ToString());
    staging_lock_ = StagingLock();  // nothing left to guard; a failed or canceled job keeps it
  }
  ReleaseConnections();
  std::lock_guard<std::mutex> lock(mu_);
  completed_at_ms_ = NowMillis();
  if (s.ok()) {
    state_ = ExportJobState::kCompleted;
  } else if (scheduler_.canceled()) {
    state_ = ExportJobState::kCanceled;
  } else {
    state_ = ExportJobState::kFailed;
    failure_ = scheduler_.failure();
    if (failure_.ok()) failure_ = s;
    spdlog::warn("export {} failed: {}", id_, failure_.ToString());
  }
  cv_.notify_all();
}

void ExportJob::WorkerLoop() {
  WindowFetcher fetcher(&shared_, obfuscator_, config_.metric_step_seconds * 1000);
  while (std::optional<TimeRange> range = scheduler_.Take()) {
    WindowStats stats;
    Status s = fetcher.Fetch(*range, staging_, &stats, &live_lines_);
    if (s.ok()) s = staging_.CompleteWindow(*range);
    if (s.ok()) {
      // The rewriter's jobs since it started: a superset of this window's, all written by this job.
      std::vector<std::string> jobs(fetcher.rewriter().jobs().begin(),
                                    fetcher.rewriter().jobs().end());
      {
        std::lock_guard<std::mutex> lock(journal_mu_);
        if (Status j = journal_.Append(JournalRecord(*range, stats, jobs)); !j.ok()) {
          spdlog::warn("export {}: {}", id_, j.ToString());
        }
      }
      scheduler_.Completed(*range, stats, std::move(jobs));
    } else if (s.code() == StatusCode::kCanceled) {
      scheduler_.GiveBack(*range);
    } else if (NeedsSplit(s)) {
      if (scheduler_.Split(*range)) {
        spdlog::info("export {}: splitting window {} in two: {}", id_, RangeText(*range),
                     s.message());
      } else {
        scheduler_.Fail(s.Wrap("the window cannot be split any further"));
      }
    } else {
      scheduler_.GiveBack(*range);
      scheduler_.Fail(s);
    }
  }
}

Status ExportJob::Assemble() {
  std::error_code ec;
  fs::create_directories(options_.output_dir, ec);
  const std::string path = (fs::path(options_.output_dir) / archive_name_).string();
  Result<std::unique_ptr<BundleAssembler>> assembler = BundleAssembler::Create(
      path, options_.compression_level, [this] { return CurrentLeakGuard(); });
  if (!assembler.ok()) return assembler.status();
  UnixMillis next = config_.time_range.start_ms;
  while (next < config_.time_range.end_ms) {
    std::optional<ScheduledWindow> w = scheduler_.WaitDone(next);
    if (!w) return scheduler_.canceled() ? Status::Canceled() : scheduler_.failure();
    Status s =
        (*assembler)->AddWindow(staging_.DeflatedPath(w->range), w->stats, scheduler_.stop_flag());
    if (!s.ok())
      return s.code() == StatusCode::kCanceled && !scheduler_.canceled() ? scheduler_.failure() : s;
    next = w->range.end_ms;
    scheduler_.Assembled(next);
  }
  BundleMetadata m = Metadata();
  Result<std::string> zip_sha = (*assembler)->Finish(m);
  if (!zip_sha.ok()) return zip_sha.status();

  ExportResult r;
  r.export_id = id_;
  r.archive_path = fs::absolute((*assembler)->path()).string();
  r.archive_name = archive_name_;
  r.archive_size_bytes = fs::file_size((*assembler)->path(), ec);
  r.lines_exported = m.lines_count;
  r.series_exported = m.metrics_count;
  r.samples_exported = m.samples_count;
  r.sha256 = *zip_sha;
  r.time_range = config_.time_range;
  r.obfuscation_applied = config_.obfuscation.enabled;
  std::lock_guard<std::mutex> lock(mu_);
  result_ = r;
  return Status::Ok();
}

std::unique_ptr<LeakGuard> ExportJob::CurrentLeakGuard() const {
  if (obfuscator_ == nullptr || !config_.obfuscation.enabled) return nullptr;
  return std::make_unique<LeakGuard>(LeakGuard::OriginalsInMapping(obfuscator_->Mapping()));
}

std::string ExportJob::RecordedCustomQuery() const {
  // Scrubbed with the pseudonyms the data got (jobs, identity values, addresses); when it would
  // still name something the obfuscator replaced (a customer word inside a regex), not recorded.
  const std::string scrubbed = obfuscator_->ScrubText(config_.query);
  const std::unique_ptr<LeakGuard> guard = CurrentLeakGuard();
  if (guard != nullptr && guard->CountIn(scrubbed) > 0) {
    return "(custom query not recorded: it names values the obfuscator replaced)";
  }
  return scrubbed;
}

BundleMetadata ExportJob::Metadata() const {
  BundleMetadata m;
  m.export_id = id_;
  m.export_date_ms = created_ms_;
  m.time_range = config_.time_range;
  m.components = config_.components;
  if (config_.mode != ExportMode::kCluster) {  // the components of the jobs the selector reached
    std::set<std::string> components;
    for (const auto& [job, component] : config_.job_components) components.insert(component);
    m.components.assign(components.begin(), components.end());
  }
  m.single_node_alias = config_.single_node_alias;
  m.obfuscated = config_.obfuscation.enabled;
  m.tool_version = std::string(Version());
  m.vm_versions = vm_versions_;
  m.mode = config_.mode == ExportMode::kCluster ? "cluster" : "custom";
  m.query_type = config_.query_type == QueryType::kSelector ? "selector" : "metricsql";
  if (!config_.obfuscation.enabled) {
    m.selector = shared_.selection.match;
  } else if (config_.mode == ExportMode::kCluster) {
    m.selector =
        fmt::format("all series of the {} chosen jobs (names obfuscated)", config_.jobs.size());
  } else {
    m.selector = RecordedCustomQuery();
  }
  m.metric_step_seconds = config_.metric_step_seconds;
  // Which route each window came from: a fallback is per window, not a label for the whole job.
  std::map<std::string, size_t> by_source;
  std::set<std::string> jobs;
  const std::vector<ScheduledWindow> windows = scheduler_.Windows();
  for (const ScheduledWindow& w : windows) {
    m.lines_count += w.stats.lines;
    m.samples_count += w.stats.samples;
    ++by_source[w.stats.source.empty() ? "export" : w.stats.source];
    jobs.insert(w.jobs.begin(), w.jobs.end());
  }
  const auto label = [&](const std::string& source) {
    return source == "query_range"
               ? fmt::format("query_range (step {}s)", shared_.query_range_step_s)
               : source;
  };
  if (by_source.size() == 1) {
    m.source = label(by_source.begin()->first);
  } else {
    std::string mixed;
    for (const auto& [source, n] : by_source) {
      mixed += fmt::format("{}{}: {} windows", mixed.empty() ? "" : ", ", label(source), n);
    }
    m.source = mixed;
  }
  if (obfuscator_ != nullptr) {
    m.obfuscation_policy = obfuscator_->Policy();
    m.privacy_report = obfuscator_->PrivacyReport();
  }
  m.jobs.assign(jobs.begin(), jobs.end());
  nlohmann::json sources = nlohmann::json::object();
  for (const auto& [source, n] : by_source) sources[source] = n;
  m.batching = {{"enabled", config_.batching.enabled},
                {"strategy", config_.batching.strategy},
                {"custom_interval_seconds", config_.batching.custom_interval_seconds},
                {"window_seconds", window_ms_ / 1000},
                {"windows", windows.size()},
                {"windows_by_source", sources},
                {"series_estimate", series_estimate_},
                {"parallel_fetches", options_.parallelism}};
  if (m.jobs.empty() && !config_.obfuscation.enabled) m.jobs = config_.jobs;
  return m;
}

Status ExportJob::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != ExportJobState::kPending && state_ != ExportJobState::kRunning) {
    return Status::Conflict(
        fmt::format("cannot cancel export {}: it is {}", id_, ExportJobStateName(state_)),
        "only pending or running exports can be canceled");
  }
  cancel_requested_ = true;
  scheduler_.Cancel();
  return Status::Ok();
}

Status ExportJob::Resume() {
  // One Resume at a time: a second one (a double click) waits here and then finds the job
  // running, which is a Conflict, not a second runner.
  std::lock_guard<std::mutex> control(control_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ != ExportJobState::kCanceled && state_ != ExportJobState::kFailed) {
      return Status::Conflict(
          fmt::format("cannot resume export {}: it is {}", id_, ExportJobStateName(state_)),
          "only canceled or failed exports can be resumed");
    }
  }
  if (runner_.joinable()) runner_.join();
  Connect();
  std::vector<JournalWindow> plan;
  for (const ScheduledWindow& w : scheduler_.Windows()) {
    const bool done = w.state == ScheduledWindow::State::kDone;
    plan.push_back(done ? JournalRecord(w.range, w.stats, w.jobs)
                        : JournalWindow{w.range, false, {}});
  }
  {
    std::lock_guard<std::mutex> lock(journal_mu_);
    if (Status s = journal_.Compact(ManifestHeader(), plan); !s.ok()) {
      ReleaseConnections();
      return s;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  cancel_requested_ = false;
  BeginRunLocked();
  return Status::Ok();
}

bool ExportJob::WaitFor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] {
    return state_ != ExportJobState::kPending && state_ != ExportJobState::kRunning;
  });
}

void ExportJob::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] {
    return state_ != ExportJobState::kPending && state_ != ExportJobState::kRunning;
  });
}

ExportJobState ExportJob::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

std::optional<ExportResult> ExportJob::result() const {
  std::lock_guard<std::mutex> lock(mu_);
  return result_;
}

Status ExportJob::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_ == ExportJobState::kFailed ? failure_ : Status::Ok();
}

std::string ExportJob::staging_dir() const {
  std::lock_guard<std::mutex> lock(mu_);
  return staging_.dir();
}

nlohmann::json ExportJob::StartJson() const {
  const ExportStatusView v = StatusView();
  return {{"job_id", v.job_id},
          {"state", ExportJobStateName(v.state)},
          {"total_batches", v.total_batches},
          {"batch_window_seconds", v.batch_window_seconds},
          {"staging_path", v.staging_path},
          {"obfuscation_enabled", v.obfuscation_enabled}};
}

ExportStatusView ExportJob::StatusView() const {
  const SchedulerSnapshot snap = scheduler_.Snapshot();
  ExportStatusView v;
  v.job_id = id_;
  v.total_batches = snap.total;
  v.completed_batches = snap.done;
  v.samples_processed = snap.samples_done;
  v.metrics_processed = live_lines_.load();
  v.current_range = snap.current;
  v.last_batch_seconds = snap.last_batch_seconds;
  v.average_batch_seconds = snap.average_batch_seconds;
  v.retries = snap.retries;
  v.obfuscation_enabled = config_.obfuscation.enabled;
  v.time_range = config_.time_range;
  if (shared_.selection.metricsql) {
    v.source = fmt::format("query_range (MetricsQL, step {}s)", shared_.query_range_step_s);
  } else if (shared_.use_query_range) {
    v.source = fmt::format("query_range (the export route is missing at this URL; step {}s)",
                           shared_.query_range_step_s);
  } else if (shared_.use_rw_fallback) {
    v.source = "export (through the URL without /rw, which lacks the export route)";
  } else {
    v.source = "export";
  }
  const double total_ms =
      static_cast<double>(std::max<int64_t>(config_.time_range.duration_ms(), 1));
  const double assembled =
      static_cast<double>(snap.assembled_until - config_.time_range.start_ms) / total_ms;
  const auto progress_of = [&](double done_fraction, double assembled_fraction) {
    return 0.85 * done_fraction + 0.15 * std::clamp(assembled_fraction, 0.0, 1.0);
  };
  std::lock_guard<std::mutex> lock(mu_);
  v.state = state_;
  v.batch_window_seconds = window_ms_ / 1000;
  v.staging_path = staging_.dir();
  v.started_at_ms = run_started_ms_;
  v.completed_at_ms = completed_at_ms_;
  v.progress =
      snap.total == 0 ? 0 : progress_of(static_cast<double>(snap.done) / snap.total, assembled);
  if (state_ == ExportJobState::kCompleted) v.progress = 1;
  const double at_start = progress_of(snap.done_at_run_start, 0);
  if (state_ == ExportJobState::kRunning && v.progress > at_start) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - run_started_).count();
    v.eta_seconds =
        static_cast<int64_t>(elapsed / (v.progress - at_start) * (1 - v.progress) + 0.5);
  } else if (state_ == ExportJobState::kCompleted) {
    v.eta_seconds = 0;
  }
  if (state_ == ExportJobState::kRunning) v.retrying = snap.retry_note;
  if (state_ == ExportJobState::kFailed) v.error = failure_;
  // Whether Resume can help: after a cancel, an outage, a timeout or a full disk it can; a query
  // VictoriaMetrics refuses, wrong credentials or a bug fail again the same way.
  const StatusCode code = failure_.code();
  v.resumable = state_ == ExportJobState::kCanceled ||
                (state_ == ExportJobState::kFailed &&
                 (code == StatusCode::kUnavailable || code == StatusCode::kTimeout ||
                  code == StatusCode::kStorage));
  v.result = result_;
  return v;
}

nlohmann::json ExportJob::StatusJson() const { return ExportStatusJson(StatusView()); }

}  // namespace vmx
