#include "application/export/export_job.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "application/discovery/cluster_jobs.h"
#include "application/discovery/component_evidence.h"
#include "application/discovery/job_component_hints.h"
#include "application/discovery/query_rows.h"
#include "application/export/export_selection.h"
#include "application/export/staging_lock.h"
#include "application/obfuscator_registry.h"
#include "infrastructure/obfuscation/leak_guard.h"
#include "common/line_splitter.h"
#include "common/safe_file.h"
#include "common/version.h"
#include "infrastructure/archive/bundle_metadata.h"
#include "infrastructure/archive/bundle_readme.h"
#include "infrastructure/archive/raw_deflater.h"
#include "infrastructure/archive/sha256_stream.h"
#include "infrastructure/archive/zip_bundle_writer.h"
#include "infrastructure/vm/url_normalizer.h"

namespace fs = std::filesystem;

namespace vmx {
namespace {

constexpr int64_t kDefaultQueryRangeStepSeconds = 30;
constexpr uint64_t kUnknownSeriesEstimate = 10'000;
constexpr size_t kCopyBlock = 1 << 20;

// The number of series the selector matches at instant `t` (5 minutes of look-back).
std::optional<uint64_t> CountSeriesAt(VmClient& client, const std::string& match, UnixMillis t) {
  Result<nlohmann::json> data = client.Query("count(" + match + ")", t);
  if (!data.ok()) return std::nullopt;
  const nlohmann::json& result = (*data)["result"];
  if (!result.is_array() || result.empty()) return 0;
  try {
    return static_cast<uint64_t>(std::stod(result[0]["value"][1].get<std::string>()));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// "vmstorage-20230210-…" -> "vmstorage", "victoria-metrics-20230210-…" -> "victoria-metrics".
std::string ComponentOfVersion(const std::string& version) {
  for (size_t i = 0; i + 1 < version.size(); ++i) {
    if (version[i] == '-' && std::isdigit(static_cast<unsigned char>(version[i + 1]))) return version.substr(0, i);
  }
  return version;
}

// Creates `dir` if needed and proves a file can be written in it.
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

// Streams the file at `path` to `sink` in blocks of `block`'s size.
Status CopyFile(const std::string& path, std::vector<char>& block,
                const std::function<Status(std::string_view)>& sink) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::Internal("cannot read staged window " + path, "resume the export");
  Status s;
  size_t n;
  while (s.ok() && (n = std::fread(block.data(), 1, block.size(), f)) > 0) s = sink({block.data(), n});
  std::fclose(f);
  return s;
}

std::string RangeText(const TimeRange& r) {
  return FormatRfc3339(r.start_ms) + " .. " + FormatRfc3339(r.end_ms);
}

}  // namespace

std::string StagedKeyCheck(const std::string& key, const std::string& job_id) {
  return key.empty() ? "" : HmacSha256Hex(key, "vmexporter staged export " + job_id).substr(0, 32);
}

const char* ExportJobStateName(ExportJobState s) {
  switch (s) {
    case ExportJobState::kPending: return "pending";
    case ExportJobState::kRunning: return "running";
    case ExportJobState::kCompleted: return "completed";
    case ExportJobState::kFailed: return "failed";
    case ExportJobState::kCanceled: return "canceled";
  }
  return "unknown";
}

ExportJob::ExportJob(std::string id, ExportConfig config, ExportJobOptions options)
    : id_(std::move(id)), config_(std::move(config)), options_(std::move(options)) {}

ExportJob::~ExportJob() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_requested_ = true;
    shared_.canceled = true;
    cv_.notify_all();
  }
  if (runner_.joinable()) runner_.join();
}

Status ExportJob::Start() { return Launch(nullptr); }

Status ExportJob::StartFromStaging(const nlohmann::json& manifest) { return Launch(&manifest); }

Status ExportJob::Launch(const nlohmann::json* staged) {
  Result<Connection> conn = NormalizeConnection(config_.connection);
  if (!conn.ok()) return conn.status().Wrap("connection");
  config_.connection = *conn;
  client_ = std::make_unique<VmClient>(config_.connection);
  if (Status s = ResolveClusterJobs(config_, *client_); !s.ok()) return s;
  Result<ExportSelection> selection = SelectionFor(config_);
  if (!selection.ok()) return selection.status();
  if (std::optional<std::string> alt = ExportFallbackApiUrl(config_.connection)) {
    Connection c = config_.connection;
    c.full_api_url = *alt;
    rw_fallback_client_ = std::make_unique<VmClient>(c);
  }
  shared_.client = client_.get();
  shared_.rw_fallback_client = rw_fallback_client_.get();
  shared_.selection = *selection;
  shared_.retry = options_.retry;
  shared_.compression_level = options_.compression_level;
  const int64_t step_s = config_.metric_step_seconds;
  shared_.query_range_step_s = step_s > 0 ? step_s : kDefaultQueryRangeStepSeconds;
  // Windows end on step multiples so no dedup bucket (or query_range grid) straddles two windows.
  grid_ = step_s > 0 ? WindowGrid{step_s * 1000, 0}
                     : WindowGrid{kDefaultQueryRangeStepSeconds * 1000, config_.time_range.start_ms};
  // Job pseudonyms and IP groups must name the component discovery found (without the hint the
  // obfuscator can only guess from metric names), and metadata.json names the components and
  // their versions. Not fatal: the guess remains.
  if (Status hints = ResolveJobComponents(config_, *client_); !hints.ok()) {
    spdlog::warn("{}", hints.ToString());
  }
  if (config_.obfuscation.enabled || !config_.obfuscation.drop_labels.empty()) {
    obfuscator_ = ObfuscatorFor(config_.obfuscation);
    TeachJobComponents(config_, *obfuscator_);
    const std::vector<std::string> match = shared_.selection.metricsql ? std::vector<std::string>{}
                                                                       : std::vector{shared_.selection.match};
    if (Status taught = TeachSelection(config_, *client_, match, *obfuscator_); !taught.ok()) {
      spdlog::warn("{}", taught.ToString());
    }
  }

  // Unwritable directories fail here, before anything is fetched.
  if (Status s = ProbeWritableDir(options_.output_dir, "output dir", "choose a writable output directory"); !s.ok()) {
    return s;
  }
  Result<StagingArea> staging = StagingArea::Open(config_.staging_dir, id_);
  if (!staging.ok()) return staging.status();
  staging_ = *staging;
  // Held while this job lives: no other process lists it as unfinished, resumes or discards it.
  Result<StagingLock> held = StagingLock::Acquire(staging_.dir());
  if (!held.ok()) return held.status();
  staging_lock_ = std::move(*held);
  if (Status s = ProbeWritableDir(staging_.dir(), "staging dir", "set staging_dir to a writable directory"); !s.ok()) {
    return s;
  }
  std::map<UnixMillis, Window> windows;
  if (staged != nullptr) {
    Result<std::map<UnixMillis, Window>> restored = RestoreWindows(*staged);
    if (!restored.ok()) return restored.status();
    windows = std::move(*restored);
  } else {
    uint64_t series = kUnknownSeriesEstimate;
    if (!shared_.selection.metricsql) {
      // One count is enough to size windows (each costs VictoriaMetrics a pass over the series);
      // the start of the range only when nothing lives at its end.
      std::optional<uint64_t> n = CountSeriesAt(*client_, shared_.selection.match, config_.time_range.end_ms);
      if (n.value_or(0) == 0) {
        n = CountSeriesAt(*client_, shared_.selection.match,
                          std::min(config_.time_range.start_ms + 300'000, config_.time_range.end_ms));
      }
      if (n) series = *n;
    }
    window_ms_ = WindowMillisFor(config_, series);
    for (const TimeRange& w : PlanWindows(config_.time_range, window_ms_, grid_)) {
      windows[w.start_ms] = Window{w, Window::State::kPending, {}, {}};
    }
    created_ms_ = NowMillis();
  }
  archive_name_ = config_.archive_name.empty() ? BundleFileName(id_, created_ms_) : config_.archive_name;
  if (archive_name_.size() < 4 || archive_name_.substr(archive_name_.size() - 4) != ".zip") archive_name_ += ".zip";
  CollectVmVersions();

  std::lock_guard<std::mutex> lock(mu_);
  windows_ = std::move(windows);
  QueueUnfinishedLocked();
  if (Status s = WriteManifestLocked(); !s.ok()) return s;
  state_ = ExportJobState::kRunning;
  MarkRunStartLocked();
  runner_ = std::thread(&ExportJob::Run, this);
  return Status::Ok();
}

Result<std::map<UnixMillis, ExportJob::Window>> ExportJob::RestoreWindows(const nlohmann::json& manifest) {
  const std::string where = staging_.dir() + "/manifest.json";
  if (manifest.value("key_check", "") != StagedKeyCheck(config_.obfuscation.key, id_)) {
    return Status::InvalidArgument(
        fmt::format("the obfuscation key does not match the one export {} was started with", id_),
        "give the same obfuscation key again: pseudonyms of the completed windows depend on it");
  }
  window_ms_ = manifest.value("window_ms", int64_t{0});
  created_ms_ = manifest.value("created_ms", NowMillis());
  std::map<UnixMillis, Window> windows;
  UnixMillis covered = config_.time_range.start_ms;
  for (const nlohmann::json& w : manifest.value("windows", nlohmann::json::array())) {
    Window window;
    window.range = {w.value("start_ms", int64_t{0}), w.value("end_ms", int64_t{0})};
    if (window.range.start_ms != covered || window.range.end_ms <= window.range.start_ms) {
      return Status::InvalidArgument(fmt::format("{} does not describe consecutive windows", where),
                                     "start the export again");
    }
    covered = window.range.end_ms;
    std::error_code ec;
    const uint64_t on_disk = fs::file_size(staging_.DeflatedPath(window.range), ec);
    if (w.value("completed", false) && !ec && on_disk == w.value("deflated_bytes", uint64_t{0})) {
      window.state = Window::State::kDone;
      window.stats = {w.value("lines", uint64_t{0}), w.value("samples", uint64_t{0}), w.value("bytes", uint64_t{0}),
                      w.value("crc32", uint32_t{0}), on_disk};
      window.jobs = w.value("jobs", std::vector<std::string>{});
    }
    windows[window.range.start_ms] = std::move(window);
  }
  if (covered != config_.time_range.end_ms) {
    return Status::InvalidArgument(fmt::format("{} does not cover the export's time range", where),
                                   "start the export again");
  }
  return windows;
}

void ExportJob::QueueUnfinishedLocked() {
  queue_.clear();
  size_t done = 0;
  for (auto it = windows_.rbegin(); it != windows_.rend(); ++it) {
    if (it->second.state == Window::State::kDone) {
      ++done;
    } else {
      it->second.state = Window::State::kPending;
      queue_.push_back(it->first);
    }
  }
  progress_at_run_start_ = windows_.empty() ? 0 : 0.85 * static_cast<double>(done) / windows_.size();
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
      fmt::format("count by (job, instance, version, short_version) (last_over_time(vm_app_version{}[{}]))",
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
    vm_versions_.Add(component, ShortVersion(label, m.value("short_version", "")), m.value("instance", ""));
  }
}

Status ExportJob::WriteManifestLocked() const {
  nlohmann::json windows = nlohmann::json::array();
  for (const auto& [start, w] : windows_) {
    windows.push_back({{"start", FormatRfc3339(w.range.start_ms)},
                       {"end", FormatRfc3339(w.range.end_ms)},
                       {"start_ms", w.range.start_ms},
                       {"end_ms", w.range.end_ms},
                       {"completed", w.state == Window::State::kDone},
                       {"lines", w.stats.lines},
                       {"samples", w.stats.samples},
                       {"bytes", w.stats.bytes},
                       {"crc32", w.stats.crc32},
                       {"deflated_bytes", w.stats.deflated_bytes},
                       {"jobs", w.jobs}});
  }
  // Everything a later process needs to continue, except secrets: credentials and the
  // obfuscation key are asked for again (the key is checked against key_check).
  nlohmann::json config = ExportConfigToPublicJson(config_);
  config["connection"]["tls_ca_file"] = config_.connection.tls.ca_file;
  config["connection"]["tls_cert_file"] = config_.connection.tls.cert_file;
  config["connection"]["tls_key_file"] = config_.connection.tls.key_file;
  return staging_.WriteManifest({{"job_id", id_},
                                 {"tool_version", std::string(Version())},
                                 {"time_range", TimeRangeToJson(config_.time_range)},
                                 {"archive_name", archive_name_},
                                 {"obfuscated", config_.obfuscation.enabled},
                                 {"keyed", !config_.obfuscation.key.empty()},
                                 {"key_check", StagedKeyCheck(config_.obfuscation.key, id_)},
                                 {"created_ms", created_ms_},
                                 {"window_ms", window_ms_},
                                 {"config", config},
                                 {"windows", windows}});
}

void ExportJob::Run() {
  std::vector<std::thread> workers;
  for (int i = 0; i < std::max(1, options_.parallelism); ++i) workers.emplace_back([this] { WorkerLoop(); });
  Status s = Assemble();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!s.ok()) {
      if (failure_.ok() && !cancel_requested_ && s.code() != StatusCode::kCanceled) failure_ = s;
      shared_.canceled = true;
    }
    cv_.notify_all();
  }
  for (std::thread& t : workers) t.join();
  if (s.ok()) {
    if (Status rm = staging_.Remove(); !rm.ok()) spdlog::warn("export {}: {}", id_, rm.ToString());
  }
  std::lock_guard<std::mutex> lock(mu_);
  completed_at_ms_ = NowMillis();
  if (s.ok()) {
    state_ = ExportJobState::kCompleted;
  } else if (cancel_requested_) {
    state_ = ExportJobState::kCanceled;
  } else {
    state_ = ExportJobState::kFailed;
    spdlog::warn("export {} failed: {}", id_, failure_.ToString());
  }
  cv_.notify_all();
}

void ExportJob::WorkerLoop() {
  WindowFetcher fetcher(&shared_, obfuscator_, config_.metric_step_seconds * 1000);
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return StoppingLocked() || !queue_.empty() || running_ == 0; });
    if (StoppingLocked() || queue_.empty()) return;
    const UnixMillis start = queue_.back();
    queue_.pop_back();
    windows_.at(start).state = Window::State::kRunning;
    const TimeRange range = windows_.at(start).range;
    ++running_;
    lock.unlock();

    WindowStats stats;
    const auto fetch_start = std::chrono::steady_clock::now();
    Status s = fetcher.Fetch(range, staging_, &stats, &live_lines_);
    if (s.ok()) s = staging_.CompleteWindow(range);
    const double fetch_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - fetch_start).count();

    lock.lock();
    --running_;
    Window& w = windows_.at(start);
    std::optional<std::pair<TimeRange, TimeRange>> halves;
    if (s.ok()) {
      w.state = Window::State::kDone;
      w.stats = stats;
      last_batch_seconds_ = fetch_seconds;
      batch_seconds_total_ += fetch_seconds;
      ++batches_timed_;
      // The rewriter's jobs since it started: a superset of this window's, all written by this job.
      w.jobs.assign(fetcher.rewriter().jobs().begin(), fetcher.rewriter().jobs().end());
      if (Status m = WriteManifestLocked(); !m.ok()) spdlog::warn("export {}: {}", id_, m.ToString());
    } else if (s.code() == StatusCode::kCanceled) {
      w.state = Window::State::kPending;
    } else if (NeedsSplit(s) && (halves = SplitWindow(range, grid_))) {
      spdlog::info("export {}: splitting window {} in two: {}", id_, RangeText(range), s.message());
      windows_.erase(start);
      windows_[halves->first.start_ms] = Window{halves->first, Window::State::kPending, {}, {}};
      windows_[halves->second.start_ms] = Window{halves->second, Window::State::kPending, {}, {}};
      queue_.push_back(halves->second.start_ms);
      queue_.push_back(halves->first.start_ms);
    } else {
      w.state = Window::State::kPending;
      if (failure_.ok()) failure_ = s;
      shared_.canceled = true;
    }
    cv_.notify_all();
  }
}

Status ExportJob::Assemble() {
  std::error_code ec;
  fs::create_directories(options_.output_dir, ec);
  const std::string path = (fs::path(options_.output_dir) / archive_name_).string();
  Result<std::unique_ptr<ZipBundleWriter>> zip = ZipBundleWriter::Create(path, options_.compression_level);
  if (!zip.ok()) return zip.status();
  // The workers deflated every window already; here the pieces are only hashed and concatenated.
  if (Status s = (*zip)->BeginDeflatedEntry("metrics.jsonl"); !s.ok()) return s;
  Sha256Stream metrics_hash;
  uint32_t crc = 0;
  uint64_t bytes = 0;
  std::vector<char> block(kCopyBlock);
  UnixMillis next = config_.time_range.start_ms;
  {
    std::lock_guard<std::mutex> lock(mu_);
    assembled_until_ = next;
    series_written_.clear();
  }
  while (next < config_.time_range.end_ms) {
    TimeRange range;
    WindowStats stats;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return StoppingLocked() || windows_.at(next).state == Window::State::kDone; });
      if (StoppingLocked()) return cancel_requested_ ? Status::Canceled() : failure_;
      range = windows_.at(next).range;
      stats = windows_.at(next).stats;
    }
    // The originals of this window and every earlier one are known once it is done.
    Status s = HashStagedWindow(range, stats, block, metrics_hash, CurrentLeakGuard().get());
    if (s.ok()) s = CopyFile(staging_.DeflatedPath(range), block, [&](std::string_view piece) {
      return shared_.canceled ? Status::Canceled() : (*zip)->WriteDeflated(piece);
    });
    if (!s.ok()) return s.code() == StatusCode::kCanceled && !cancel_requested_ ? failure_ : s;
    crc = CombineCrc32(crc, stats.crc32, stats.bytes);
    bytes += stats.bytes;
    staging_.DropWindowText(range);
    next = range.end_ms;
    std::lock_guard<std::mutex> lock(mu_);
    assembled_until_ = next;
  }
  if (Status s = (*zip)->EndDeflatedEntry(crc, bytes); !s.ok()) return s;
  return WriteBundleTail(**zip, metrics_hash.HexDigest());
}

std::unique_ptr<LeakGuard> ExportJob::CurrentLeakGuard() const {
  if (obfuscator_ == nullptr || !config_.obfuscation.enabled) return nullptr;
  return std::make_unique<LeakGuard>(LeakGuard::OriginalsInMapping(obfuscator_->Mapping()));
}

Status ExportJob::HashStagedWindow(const TimeRange& range, const WindowStats& stats, std::vector<char>& block,
                                   Sha256Stream& hash, const LeakGuard* guard) {
  uint64_t seen = 0;
  LeakScan leaks;
  LineSplitter lines;
  // A series is its metric object; inside JSON strings a quote is escaped, so the first
  // ',"values":' of a line ends the metric.
  const LineSplitter::LineCallback count_series = [this](std::string_view line) {
    const size_t end = line.find(",\"values\":");
    series_written_.insert(std::hash<std::string_view>{}(line.substr(0, end)));
    return Status::Ok();
  };
  const auto add = [&](std::string_view data) {
    if (shared_.canceled) return Status::Canceled();
    hash.Update(data);
    seen += data.size();
    if (guard != nullptr) guard->Feed(leaks, data);
    return lines.Feed(data, count_series);
  };
  // The text copy is cheaper to hash; after a resume it may be gone, the piece always remains.
  const std::string text = staging_.WindowPath(range);
  Status s = fs::exists(text) ? CopyFile(text, block, add) : InflatePieceFile(staging_.DeflatedPath(range), add);
  if (s.ok()) s = lines.Finish(count_series);
  if (s.ok() && guard != nullptr) {
    guard->Finish(leaks);
    if (leaks.hits > 0) s = LeakFound("metrics.jsonl", leaks);
  }
  if (s.ok() && seen != stats.bytes) {
    s = Status::Internal(fmt::format("staged window {} holds {} bytes, {} were written", text, seen, stats.bytes),
                         "the staging dir was changed while the export ran; start the export again");
  }
  return s;
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

Status ExportJob::WriteBundleTail(ZipBundleWriter& zip, const std::string& metrics_sha) {
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
    m.selector = fmt::format("all series of the {} chosen jobs (names obfuscated)", config_.jobs.size());
  } else {
    m.selector = RecordedCustomQuery();
  }
  m.metric_step_seconds = config_.metric_step_seconds;
  m.source = shared_.use_query_range || shared_.selection.metricsql
                 ? fmt::format("query_range (step {}s)", shared_.query_range_step_s)
                 : "export";
  if (obfuscator_ != nullptr) {
    m.obfuscation_policy = obfuscator_->Policy();
    m.privacy_report = obfuscator_->PrivacyReport();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [start, w] : windows_) {
      m.lines_count += w.stats.lines;
      m.samples_count += w.stats.samples;
    }
    m.metrics_count = series_written_.size();
    std::set<std::string> jobs;
    for (const auto& [start, w] : windows_) jobs.insert(w.jobs.begin(), w.jobs.end());
    m.jobs.assign(jobs.begin(), jobs.end());
    m.batching = {{"enabled", config_.batching.enabled},
                  {"strategy", config_.batching.strategy},
                  {"custom_interval_seconds", config_.batching.custom_interval_seconds},
                  {"window_seconds", window_ms_ / 1000},
                  {"windows", windows_.size()},
                  {"parallel_fetches", options_.parallelism}};
  }
  if (m.jobs.empty() && !config_.obfuscation.enabled) m.jobs = config_.jobs;
  m.entry_sha256["metrics.jsonl"] = metrics_sha;

  const std::string readme = BundleReadmeText(m);
  const std::unique_ptr<LeakGuard> guard = CurrentLeakGuard();
  if (guard != nullptr) {
    if (Status leak = guard->Check("README.txt", readme); !leak.ok()) return leak;
  }
  Status s = zip.BeginEntry("README.txt");
  if (s.ok()) s = zip.Write(readme);
  if (!s.ok()) return s;
  Result<std::string> readme_sha = zip.EndEntry();
  if (!readme_sha.ok()) return readme_sha.status();
  m.entry_sha256["README.txt"] = *readme_sha;
  const std::string metadata = BundleMetadataToJson(m).dump(2) + "\n";
  if (guard != nullptr) {
    if (Status leak = guard->Check("metadata.json", metadata); !leak.ok()) return leak;
  }
  s = zip.BeginEntry("metadata.json");
  if (s.ok()) s = zip.Write(metadata);
  if (!s.ok()) return s;
  if (Result<std::string> r = zip.EndEntry(); !r.ok()) return r.status();
  Result<std::string> zip_sha = zip.Commit();
  if (!zip_sha.ok()) return zip_sha.status();
  if (Status side = WriteSha256Sidecar(zip.path(), *zip_sha); !side.ok()) return side;

  ExportResult r;
  r.export_id = id_;
  r.archive_path = fs::absolute(zip.path()).string();
  r.archive_name = archive_name_;
  std::error_code ec;
  r.archive_size_bytes = fs::file_size(zip.path(), ec);
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

Status ExportJob::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != ExportJobState::kPending && state_ != ExportJobState::kRunning) {
    return Status::Conflict(fmt::format("cannot cancel export {}: it is {}", id_, ExportJobStateName(state_)),
                            "only pending or running exports can be canceled");
  }
  cancel_requested_ = true;
  shared_.canceled = true;
  cv_.notify_all();
  return Status::Ok();
}

Status ExportJob::Resume() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ != ExportJobState::kCanceled && state_ != ExportJobState::kFailed) {
      return Status::Conflict(fmt::format("cannot resume export {}: it is {}", id_, ExportJobStateName(state_)),
                              "only canceled or failed exports can be resumed");
    }
  }
  if (runner_.joinable()) runner_.join();
  std::lock_guard<std::mutex> lock(mu_);
  cancel_requested_ = false;
  failure_ = Status::Ok();
  shared_.canceled = false;
  QueueUnfinishedLocked();
  state_ = ExportJobState::kRunning;
  MarkRunStartLocked();
  runner_ = std::thread(&ExportJob::Run, this);
  return Status::Ok();
}

void ExportJob::MarkRunStartLocked() {
  run_started_ = std::chrono::steady_clock::now();
  started_at_ms_ = NowMillis();
  completed_at_ms_ = 0;
  batch_seconds_total_ = 0;
  batches_timed_ = 0;
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

nlohmann::json ExportJob::StartJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {{"job_id", id_},
          {"state", ExportJobStateName(state_)},
          {"total_batches", windows_.size()},
          {"batch_window_seconds", window_ms_ / 1000},
          {"staging_path", staging_.dir()},
          {"obfuscation_enabled", config_.obfuscation.enabled}};
}

nlohmann::json ExportJob::StatusJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t done = 0;
  uint64_t samples_done = 0;  // counted per completed window, for samples/s
  std::optional<TimeRange> current;
  for (const auto& [start, w] : windows_) {
    if (w.state == Window::State::kDone) {
      ++done;
      samples_done += w.stats.samples;
    }
    if (w.state == Window::State::kRunning && !current) current = w.range;
  }
  const double total_ms = static_cast<double>(std::max<int64_t>(config_.time_range.duration_ms(), 1));
  const double assembled = static_cast<double>(assembled_until_ - config_.time_range.start_ms) / total_ms;
  double progress = windows_.empty() ? 0 : 0.85 * static_cast<double>(done) / windows_.size() +
                                               0.15 * std::clamp(assembled, 0.0, 1.0);
  if (state_ == ExportJobState::kCompleted) progress = 1;
  nlohmann::json eta_seconds = nullptr;
  if (state_ == ExportJobState::kRunning && progress > progress_at_run_start_) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - run_started_).count();
    eta_seconds =
        static_cast<int64_t>(elapsed / (progress - progress_at_run_start_) * (1 - progress) + 0.5);
  } else if (state_ == ExportJobState::kCompleted) {
    eta_seconds = 0;
  }
  // vmgather's eta is the expected end time; it is absent once the job has stopped.
  nlohmann::json eta = nullptr;
  if (state_ == ExportJobState::kRunning && eta_seconds.is_number()) {
    eta = FormatRfc3339(NowMillis() + eta_seconds.get<int64_t>() * 1000);
  }
  std::string source = "export";
  if (shared_.selection.metricsql) {
    source = fmt::format("query_range (MetricsQL, step {}s)", shared_.query_range_step_s);
  } else if (shared_.use_query_range) {
    source = fmt::format("query_range (the export route is missing at this URL; step {}s)",
                         shared_.query_range_step_s);
  } else if (shared_.use_rw_fallback) {
    source = "export (through the URL without /rw, which lacks the export route)";
  }
  nlohmann::json j = {
      {"job_id", id_},
      {"state", ExportJobStateName(state_)},
      {"total_batches", windows_.size()},
      {"completed_batches", done},
      {"progress", progress},
      {"metrics_processed", live_lines_.load()},
      {"samples_processed", samples_done},
      {"eta", eta},
      {"eta_seconds", eta_seconds},
      {"current_range", current ? TimeRangeToJson(*current) : nlohmann::json(nullptr)},
      {"current_range_text",
       current ? nlohmann::json(RangeText(*current)) : nlohmann::json(nullptr)},
      {"last_batch_duration_seconds", last_batch_seconds_},
      {"average_batch_seconds", batches_timed_ > 0 ? batch_seconds_total_ / batches_timed_ : 0.0},
      {"error", nullptr},
      {"result", nullptr},
      {"source", source},
      {"batch_window_seconds", window_ms_ / 1000},
      {"staging_path", staging_.dir()},
      {"obfuscation_enabled", config_.obfuscation.enabled},
      {"time_range", TimeRangeToJson(config_.time_range)}};
  if (started_at_ms_ > 0) j["started_at"] = FormatRfc3339(started_at_ms_);
  if (completed_at_ms_ > 0) j["completed_at"] = FormatRfc3339(completed_at_ms_);
  if (state_ == ExportJobState::kFailed) {
    j["error"] = failure_.message();
    if (!failure_.hint().empty()) j["hint"] = failure_.hint();
  }
  // Whether Resume can help: after a cancel, an outage, a timeout or a full disk it can; a query
  // VictoriaMetrics refuses, wrong credentials or a bug fail again the same way.
  const StatusCode code = failure_.code();
  j["resumable"] = state_ == ExportJobState::kCanceled ||
                   (state_ == ExportJobState::kFailed &&
                    (code == StatusCode::kUnavailable || code == StatusCode::kTimeout || code == StatusCode::kStorage));
  if (result_) {
    j["result"] = {{"export_id", result_->export_id},
                   {"archive_path", result_->archive_path},
                   {"archive_name", result_->archive_name},
                   {"archive_size_bytes", result_->archive_size_bytes},
                   {"metrics_exported", result_->lines_exported},
                   {"series_exported", result_->series_exported},
                   {"samples_exported", result_->samples_exported},
                   {"sha256", result_->sha256},
                   {"time_range", TimeRangeToJson(result_->time_range)},
                   {"obfuscation_applied", result_->obfuscation_applied}};
  }
  return j;
}

}  // namespace vmx
