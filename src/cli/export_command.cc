#include "cli/export_command.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>

#include "application/export/export_service.h"
#include "cli/export_flags.h"
#include "cli/export_progress.h"
#include "cli/resilience_flags.h"
#include "common/bundle_reader.h"
#include "common/termination_signals.h"
#include "common/vm_flags.h"

namespace vmx {
namespace {

constexpr int kFailure = 1;
constexpr int kBadUsage = 2;
constexpr int kInterrupted = 130;  // 128 + SIGINT, as shells report it

// Set by the first SIGINT/SIGTERM; calls in flight watch it.
std::atomic<bool> g_interrupted{false};

// What -resume sends besides the job id: the credentials and key given on this command line.
Result<nlohmann::json> ResumeSecrets(const CLI::App& app, const ExportFlags& f) {
  Result<nlohmann::json> auth = AuthJsonFromFlags(app, f);
  if (!auth.ok()) return auth.status();
  nlohmann::json secrets = nlohmann::json::object();
  if (!auth->empty()) secrets["auth"] = *auth;
  if (!f.obfuscation_key.empty()) secrets["obfuscation_key"] = f.obfuscation_key;
  // An obfuscated export's staging keeps no originals: they come from the command line again.
  if (!f.url.empty()) secrets["url"] = f.url;
  if (!f.jobs.empty()) secrets["jobs"] = f.jobs;
  if (!f.selector.empty()) secrets["query"] = f.selector;
  if (!f.query.empty()) secrets["query"] = f.query;
  return secrets;
}

// Writes the obfuscation mapping with mode 0600 (it holds the originals).
Status WriteMapping(const std::string& path, const nlohmann::json& mapping) {
  const std::string text = mapping.dump(2) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return Status::InvalidArgument(fmt::format("-mapping-out: cannot create {:?}", path));
  ::fchmod(fd, 0600);
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok ? Status::Ok() : Status::Internal(fmt::format("-mapping-out: cannot write {:?}", path));
}

// -stdout: streams metrics.jsonl out of the finished (already obfuscated) bundle. A reader that
// closes the pipe early (`| head -1`) is a clean stop, not an error.
Status CopyMetricsToStdout(const std::string& bundle) {
  Result<std::unique_ptr<BundleReader>> reader = BundleReader::Open(bundle);
  if (!reader.ok()) return reader.status();
  std::vector<char> buf(1 << 16);
  while (!g_interrupted) {
    Result<size_t> n = (*reader)->Read(buf);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    if (std::fwrite(buf.data(), 1, *n, stdout) != *n) {
      if (errno == EPIPE) return Status::Ok();
      return Status::Internal(fmt::format("cannot write to stdout: {}", std::strerror(errno)));
    }
  }
  if (std::fflush(stdout) != 0 && errno != EPIPE) {
    return Status::Internal(fmt::format("cannot write to stdout: {}", std::strerror(errno)));
  }
  return Status::Ok();
}

// `text` as one shell word.
std::string ShellWord(const std::string& text) {
  if (!text.empty() &&
      text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             "_-./:=@,+%") == std::string::npos) {
    return text;
  }
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// `url` without user:pass@ (the user name is printed as -username, the password never).
std::string UrlWithoutUserinfo(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t end = std::min(url.find_first_of("/?#", start), url.size());
  const size_t at = url.rfind('@', end == 0 ? 0 : end - 1);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + url.substr(at + 1);
}

// What the export reads: an obfuscated export's staging keeps none of it, so a resume gives it
// again (printed on the user's own terminal, never written to disk).
struct ExportOriginals {
  std::string url;
  std::vector<std::string> jobs;
  std::string selector, query;
};

ExportOriginals OriginalsOf(const ExportFlags& f, const std::optional<ExportConfig>& config) {
  ExportOriginals o{f.url, f.jobs, f.selector, f.query};
  if (!config) return o;
  if (o.url.empty()) o.url = config->connection.url;
  if (config->mode == ExportMode::kCluster) {
    o.jobs = config->jobs;
  } else if (config->query_type == QueryType::kSelector) {
    o.selector = config->query;
  } else {
    o.query = config->query;
  }
  return o;
}

// The command that continues export `job_id` from `staging_root`, for the current directory.
// Secrets are never printed: the note says which ones to give again.
std::string ResumeCommand(const CLI::App& app, const ExportFlags& f,
                          const ExportOriginals* originals, const std::string& job_id,
                          const std::string& staging_root, std::string* note) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string cmd = "vmexporter export -resume=" + ShellWord(job_id) +
                    " -staging-dir=" + ShellWord(fs::absolute(staging_root, ec).string());
  if (originals != nullptr) {
    if (!originals->url.empty()) cmd += " -url=" + ShellWord(UrlWithoutUserinfo(originals->url));
    if (!originals->jobs.empty()) {
      std::string jobs;
      for (const std::string& j : originals->jobs) jobs += (jobs.empty() ? "" : ",") + j;
      cmd += " -jobs=" + ShellWord(jobs);
    }
    if (!originals->selector.empty()) cmd += " -selector=" + ShellWord(originals->selector);
    if (!originals->query.empty()) cmd += " -query=" + ShellWord(originals->query);
  }
  if (f.to_stdout) {
    cmd += " -stdout";
  } else if (f.output != ".") {
    cmd += " -output=" + ShellWord(fs::absolute(f.output, ec).string());
  }
  if (!f.username.empty()) cmd += " -username=" + ShellWord(f.username);
  if (!f.tls_ca_file.empty())
    cmd += " -tls-ca-file=" + ShellWord(fs::absolute(f.tls_ca_file, ec).string());
  if (f.tls_skip_verify) cmd += " -tls-insecure-skip-verify";
  // A secret from the environment is found there again; one typed as a flag must be typed again.
  const auto typed = [&](const char* flag) {
    const CLI::Option* o = app.get_option_no_throw(flag);
    return o != nullptr && o->count() > 0 && std::getenv(o->get_envname().c_str()) == nullptr;
  };
  std::vector<std::string> again;
  for (const char* flag : {"--password", "--bearer-token", "--header", "--obfuscation-key"}) {
    if (typed(flag)) again.push_back(std::string(flag).substr(1));
  }
  note->clear();
  for (const std::string& flag : again) *note += (note->empty() ? "" : ", ") + flag;
  if (!note->empty())
    *note = "add " + *note + " with the same value as before (never printed here)";
  return cmd;
}

}  // namespace

int RunExportCommand(const std::vector<std::string>& args) {
  CLI::App app{
      "Exports the metrics of a VictoriaMetrics installation's own components into an "
      "obfuscated ZIP bundle, without a browser. Secrets can come from environment "
      "variables so they stay out of `ps`.",
      "vmexporter export"};
  ExportFlags flags;
  AddExportFlags(app, flags);
  ResilienceFlags resilience;
  AddResilienceFlags(app, resilience);
  if (auto code = ParseVmFlags(app, args, "Usage: vmexporter export -url=URL [flags]"))
    return *code;
  spdlog::set_default_logger(spdlog::stderr_logger_mt("export"));  // stdout is for results
  if (flags.debug) spdlog::set_level(spdlog::level::debug);

  ExportServiceOptions options;
  options.job.parallelism = std::max(1, flags.parallel);
  if (Status s = ApplyResilienceFlags(resilience, &options.job); !s.ok()) {
    std::cerr << "error: " << s.ToString() << "\n";
    return kBadUsage;
  }
  // From here on the first SIGINT/SIGTERM cancels (in-flight calls stop within a second), the
  // second exits at once; every thread started below inherits the blocked mask.
  BlockTerminationSignals();
  // The watcher thread is detached: what it touches lives for the whole process.
  static std::mutex service_mu;
  static ExportService* running_service = nullptr;
  const auto set_service = [](ExportService* s) {
    std::lock_guard<std::mutex> lock(service_mu);
    running_service = s;
  };
  WatchTerminationSignals(
      [](int sig) {
        g_interrupted = true;
        std::cerr << "\nreceived " << SignalName(sig)
                  << ": canceling the export (send it again to exit at once)" << std::endl;
        std::lock_guard<std::mutex> lock(service_mu);
        if (running_service != nullptr) running_service->CancelAll();
      },
      kInterrupted);

  std::optional<ExportConfig> config;  // none with -resume: the staged manifest has it
  if (flags.resume.empty()) {
    Result<ExportConfig> built = BuildExportConfig(app, flags, NowMillis());
    if (!built.ok()) {
      std::cerr << "error: " << built.status().ToString()
                << "\nrun `vmexporter export -help` to see every flag\n";
      return kBadUsage;
    }
    // Cluster mode without -jobs: the job resolves every job of the discovered components.
    config = std::move(*built);
  }

  std::string output_dir = flags.output;
  std::filesystem::path temp_output;
  if (flags.to_stdout) {  // the bundle is only a carrier; it is removed after streaming it out
    temp_output =
        std::filesystem::temp_directory_path() / ("vmexporter-stdout-" + std::to_string(getpid()));
    output_dir = temp_output.string();
  }
  const auto remove_temp_output = [&] {
    std::error_code ec;
    if (!temp_output.empty()) std::filesystem::remove_all(temp_output, ec);
  };
  options.output_dir = output_dir;
  std::string staging_root = flags.staging_dir.empty() ? DefaultStagingRoot() : flags.staging_dir;
  std::shared_ptr<ExportJob> job;
  int code = 0;
  {
    ExportService service(options);
    set_service(&service);
    if (g_interrupted) service.CancelAll();
    const auto start = [&]() -> Result<std::shared_ptr<ExportJob>> {
      if (flags.resume.empty()) return service.Start(*config);
      Result<nlohmann::json> secrets = ResumeSecrets(app, flags);
      if (!secrets.ok()) return secrets.status();
      return service.Adopt(flags.staging_dir, flags.resume, *secrets);
    };
    Result<std::shared_ptr<ExportJob>> started = start();
    if (!started.ok()) {
      set_service(nullptr);
      remove_temp_output();
      if (g_interrupted) {
        std::cerr << "interrupted before the export started; nothing to resume\n";
        return kInterrupted;
      }
      std::cerr << "error: " << started.status().ToString() << "\n";
      return started.status().code() == StatusCode::kInvalidArgument ? kBadUsage : kFailure;
    }
    job = *started;
    ExportProgress progress(stderr);
    while (true) {
      const ExportJobState state = job->state();
      progress.Update(job->StatusJson());
      if (state == ExportJobState::kCompleted || state == ExportJobState::kFailed ||
          state == ExportJobState::kCanceled) {
        break;
      }
      job->WaitFor(std::chrono::milliseconds(200));  // returns as soon as the job ends
    }
    progress.Finish();
    job->Wait();
    // The service's destructor keeps the staging of an unfinished export another run can
    // continue, and removes everything else.
    set_service(nullptr);
  }
  if (job->state() != ExportJobState::kCompleted) {
    remove_temp_output();
    const std::string staged = job->staging_dir();
    std::error_code ec;
    const bool kept = !staged.empty() && std::filesystem::exists(staged, ec);
    if (job->state() == ExportJobState::kCanceled) {
      std::cerr << "export " << job->id() << " canceled; no bundle was written\n";
    } else {
      std::cerr << "error: export failed: " << job->error().ToString() << "\n";
    }
    if (kept) {
      // An obfuscated export's staging keeps no originals: the command carries them.
      const bool obfuscated = !config || config->obfuscation.enabled;
      const ExportOriginals originals = OriginalsOf(flags, config);
      std::string note;
      std::cerr << "its completed windows are kept in " << staged << "; continue it with:\n  "
                << ResumeCommand(app, flags, obfuscated ? &originals : nullptr, job->id(),
                                 staging_root, &note)
                << "\n";
      if (!note.empty()) std::cerr << "  (" << note << ")\n";
    } else if (job->state() == ExportJobState::kCanceled && !job->ResumableElsewhere()) {
      std::cerr
          << "it cannot be resumed: obfuscation without -obfuscation-key gives random pseudonyms\n";
    }
    return g_interrupted ? kInterrupted : kFailure;
  }
  const ExportResult result = *job->result();
  if (std::optional<nlohmann::json> mapping = job->Mapping();
      mapping && !flags.mapping_out.empty()) {
    if (Status s = WriteMapping(flags.mapping_out, *mapping); !s.ok()) {
      std::cerr << "error: " << s.ToString() << "\n";
      code = kFailure;
    }
  }
  if (flags.to_stdout) {
    Status s = CopyMetricsToStdout(result.archive_path);
    remove_temp_output();
    if (!s.ok()) {
      std::cerr << "error: " << s.ToString() << "\n";
      return kFailure;
    }
    if (g_interrupted) return kInterrupted;
    std::cerr << fmt::format("exported {} series, {} samples\n", result.series_exported,
                             result.samples_exported);
    return code;
  }
  std::cerr << fmt::format("exported {} series, {} samples into {} ({} bytes)\nsha256 {}\n",
                           result.series_exported, result.samples_exported, result.archive_name,
                           result.archive_size_bytes, result.sha256);
  std::cout << result.archive_path << std::endl;
  return code;
}

}  // namespace vmx
