#include "cli/export_command.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <thread>

#include "application/export/export_service.h"
#include "cli/export_flags.h"
#include "cli/export_progress.h"
#include "common/bundle_reader.h"
#include "common/vm_flags.h"

namespace vmx {
namespace {

constexpr int kFailure = 1;
constexpr int kBadUsage = 2;

// What -resume sends besides the job id: the credentials and key given on this command line.
Result<nlohmann::json> ResumeSecrets(const CLI::App& app, const ExportFlags& f) {
  Result<nlohmann::json> auth = AuthJsonFromFlags(app, f);
  if (!auth.ok()) return auth.status();
  nlohmann::json secrets = nlohmann::json::object();
  if (!auth->empty()) secrets["auth"] = *auth;
  if (!f.obfuscation_key.empty()) secrets["obfuscation_key"] = f.obfuscation_key;
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

// -stdout: streams metrics.jsonl out of the finished (already obfuscated) bundle.
Status CopyMetricsToStdout(const std::string& bundle) {
  Result<std::unique_ptr<BundleReader>> reader = BundleReader::Open(bundle);
  if (!reader.ok()) return reader.status();
  std::vector<char> buf(1 << 16);
  while (true) {
    Result<size_t> n = (*reader)->Read(buf);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    if (std::fwrite(buf.data(), 1, *n, stdout) != *n) return Status::Internal("cannot write to stdout");
  }
  std::fflush(stdout);
  return Status::Ok();
}

}  // namespace

int RunExportCommand(const std::vector<std::string>& args) {
  CLI::App app{"Exports the metrics of a VictoriaMetrics installation's own components into an "
               "obfuscated ZIP bundle, without a browser. Secrets can come from environment "
               "variables so they stay out of `ps`.",
               "vmexporter export"};
  ExportFlags flags;
  AddExportFlags(app, flags);
  if (auto code = ParseVmFlags(app, args, "Usage: vmexporter export -url=URL [flags]")) return *code;
  spdlog::set_default_logger(spdlog::stderr_logger_mt("export"));  // stdout is for results
  if (flags.debug) spdlog::set_level(spdlog::level::debug);

  std::optional<ExportConfig> config;  // none with -resume: the staged manifest has it
  if (flags.resume.empty()) {
    Result<ExportConfig> built = BuildExportConfig(app, flags, NowMillis());
    if (!built.ok()) {
      std::cerr << "error: " << built.status().ToString() << "\nrun `vmexporter export -help` to see every flag\n";
      return kBadUsage;
    }
    // Cluster mode without -jobs: the job resolves every job of the discovered components.
    config = std::move(*built);
  }

  std::string output_dir = flags.output;
  std::filesystem::path temp_output;
  if (flags.to_stdout) {  // the bundle is only a carrier; it is removed after streaming it out
    temp_output = std::filesystem::temp_directory_path() / ("vmexporter-stdout-" + std::to_string(getpid()));
    output_dir = temp_output.string();
  }
  ExportServiceOptions options;
  options.output_dir = output_dir;
  options.job.parallelism = std::max(1, flags.parallel);
  ExportService service(options);
  const auto start = [&]() -> Result<std::shared_ptr<ExportJob>> {
    if (flags.resume.empty()) return service.Start(*config);
    Result<nlohmann::json> secrets = ResumeSecrets(app, flags);
    if (!secrets.ok()) return secrets.status();
    return service.Adopt(flags.staging_dir, flags.resume, *secrets);
  };
  Result<std::shared_ptr<ExportJob>> job = start();
  if (!job.ok()) {
    std::cerr << "error: " << job.status().ToString() << "\n";
    return job.status().code() == StatusCode::kInvalidArgument ? kBadUsage : kFailure;
  }
  ExportProgress progress(stderr);
  while (true) {
    const ExportJobState state = (*job)->state();
    progress.Update((*job)->StatusJson());
    if (state == ExportJobState::kCompleted || state == ExportJobState::kFailed ||
        state == ExportJobState::kCanceled) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  progress.Finish();
  (*job)->Wait();
  if ((*job)->state() != ExportJobState::kCompleted) {
    std::cerr << "error: export failed: " << (*job)->error().ToString() << "\n";
    if (!temp_output.empty()) std::filesystem::remove_all(temp_output);
    return kFailure;
  }
  const ExportResult result = *(*job)->result();
  int code = 0;
  if (std::optional<nlohmann::json> mapping = (*job)->Mapping(); mapping && !flags.mapping_out.empty()) {
    if (Status s = WriteMapping(flags.mapping_out, *mapping); !s.ok()) {
      std::cerr << "error: " << s.ToString() << "\n";
      code = kFailure;
    }
  }
  if (flags.to_stdout) {
    Status s = CopyMetricsToStdout(result.archive_path);
    std::filesystem::remove_all(temp_output);
    if (!s.ok()) {
      std::cerr << "error: " << s.ToString() << "\n";
      return kFailure;
    }
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
