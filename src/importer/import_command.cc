#include "importer/import_command.h"

#include <fmt/format.h>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <iostream>
#include <mutex>
#include <thread>

#include "common/vm_flags.h"
#include "importer/import_pipeline.h"
#include "importer/resume_journal.h"

namespace vmx::importer {
namespace {

constexpr const char* kUsage = "Usage: vmimport import -url=URL [flags] BUNDLE (.zip, .jsonl or .jsonl.gz)";

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string item = s.substr(start, comma - start);
    const size_t b = item.find_first_not_of(' ');
    const size_t e = item.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    start = comma + 1;
  }
  return out;
}

std::string Mib(uint64_t b) { return fmt::format("{:.1f} MiB", static_cast<double>(b) / (1 << 20)); }

// One stderr line about the running import.
std::string ProgressLine(const ImportProgress& p) {
  const nlohmann::json j = p.ToJson();
  std::string eta = j["eta_seconds"].is_null() ? "-" : fmt::format("{:.0f}s", j["eta_seconds"].get<double>());
  return fmt::format("{}: {} / {} ({:.0f}%), {} lines, {} rejected, {} samples sent, {:.0f} samples/s, ETA {}",
                     j["phase"].get<std::string>(), Mib(p.file_bytes_read.load()), Mib(p.file_bytes.load()),
                     j["progress"].get<double>() * 100, p.lines.load(), p.rejected_lines.load(),
                     p.samples_sent.load(), j["samples_per_second"].get<double>(), eta);
}

// The command line to continue: the same arguments with -resume=<journal>, secrets left out
// (they are asked for again rather than printed).
std::string ResumeCommand(const std::vector<std::string>& args, const std::string& journal) {
  std::string out = "vmimport import";
  bool skip_value = false;
  for (const std::string& a : args) {
    if (skip_value) {
      skip_value = false;
      out += " '***'";
      continue;
    }
    const std::string name = a.substr(0, a.find('='));
    const std::string bare = name.substr(name.find_first_not_of('-') == std::string::npos ? 0 : name.find_first_not_of('-'));
    if (bare == "resume") {
      skip_value = a.find('=') == std::string::npos;
      continue;
    }
    if (bare == "password" || bare == "bearer-token" || bare == "header") {
      if (a.find('=') == std::string::npos) {
        out += " " + a;
        skip_value = true;
      } else {
        out += " " + name + "='***'";
      }
      continue;
    }
    out += " '";
    for (const char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += "'";
  }
  return out + " -resume='" + journal + "'";
}

// Turns SIGINT/SIGTERM into a clean cancel while it lives: the first signal cancels the import
// (the summary and the resume command are printed), a second one exits at once. The signals
// are blocked in every thread and taken by sigtimedwait on a watcher thread, so no handler
// runs inside the import's code.
class InterruptWatcher {
 public:
  explicit InterruptWatcher(ImportPipeline& pipeline) : pipeline_(pipeline) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this] { Watch(); });
  }
  ~InterruptWatcher() {
    done_.store(true);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  bool interrupted() const { return signals_.load() > 0; }

 private:
  void Watch() {
    const timespec tick{0, 100'000'000};
    while (!done_.load()) {
      if (sigtimedwait(&set_, nullptr, &tick) < 0) continue;
      if (signals_.fetch_add(1) > 0) _exit(130);
      static constexpr char kMsg[] = "\ninterrupted: canceling; press Ctrl-C again to quit at once\n";
      (void)!write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
      pipeline_.Cancel();
    }
  }
  ImportPipeline& pipeline_;
  sigset_t set_{};
  sigset_t old_{};
  std::atomic<bool> done_{false};
  std::atomic<int> signals_{0};
  std::thread thread_;
};

}  // namespace

int RunImportCommand(const std::vector<std::string>& args) {
  CLI::App app{"Streams a bundle into VictoriaMetrics through /api/v1/import, then verifies with a "
               "query that every series and sample arrived.",
               "vmimport import"};
  ImportOptions o;
  std::string bundle;
  std::string header;
  std::string time_shift;
  std::string align_to;
  std::string drop_labels;
  bool no_verify = false;
  app.add_option("--url", o.url,
                 "VictoriaMetrics to import into: single node (http://host:8428), vminsert or vmauth. "
                 "A cluster path /insert/<accountID>/prometheus sets the tenant")
      ->required();
  app.add_option("--username", o.http.basic_user, "Basic auth username")->envname("VMIMPORT_USERNAME");
  app.add_option("--password", o.http.basic_password, "Basic auth password")->envname("VMIMPORT_PASSWORD");
  app.add_option("--bearer-token", o.http.bearer_token, "Bearer token sent as Authorization: Bearer <token>")
      ->envname("VMIMPORT_BEARER_TOKEN");
  app.add_option("--header", header, "One custom header for every request, as 'Name: value'")
      ->envname("VMIMPORT_HEADER");
  app.add_flag("--tls-insecure-skip-verify", o.http.tls_skip_verify,
               "Do not verify the target's TLS certificate (only for test setups)");
  app.add_option("--tls-ca-file", o.http.tls_ca_file, "PEM file with the CA that signed the target's certificate");
  app.add_option("--tls-cert-file", o.http.tls_cert_file, "PEM client certificate, for targets that require mTLS");
  app.add_option("--tls-key-file", o.http.tls_key_file, "PEM private key of -tls-cert-file");
  std::string resume_path;
  app.add_option("--resume", resume_path,
                 "Continue an interrupted import from its resume journal: only the batches the target did "
                 "not acknowledge are sent. Give the same bundle and flags as the interrupted run (printed "
                 "when it stops)");
  app.add_option("--tenant", o.tenant,
                 "Cluster tenant: accountID or accountID:projectID. Writes go to "
                 "/insert/<tenant>/prometheus/api/v1/import, verification reads /select/<tenant>/prometheus");
  app.add_option("--read-url", o.read_url,
                 "URL to verify through when reads do not go through the import URL's host "
                 "(e.g. the vmselect URL /select/<tenant>/prometheus)");
  app.add_option("--time-shift", time_shift,
                 "Move the samples in time before import: 'now' puts the last sample at the current "
                 "time, 'align' puts the first sample at -align-to, a signed duration (-24h, 7d) "
                 "shifts by that much. Applied before -skip-outside-retention");
  app.add_option("--align-to", align_to, "Where the first sample lands with -time-shift=align (RFC 3339 or unix seconds)");
  app.add_option("--drop-labels", drop_labels,
                 "Comma-separated label names to remove from every series (__name__, job and instance "
                 "always stay). Series that become equal merge");
  app.add_flag("--skip-outside-retention", o.skip_outside_retention,
               "Skip samples older than the target's retention instead of letting VictoriaMetrics drop "
               "them silently. The retention is read from the target's /metrics, or from -retention");
  app.add_option("--retention", o.retention, "The target's -retentionPeriod, when vmimport cannot read it (e.g. 31d, 12)");
  app.add_flag("--strict", o.strict,
               "Fail on the first malformed line before anything is sent. Without it malformed lines are "
               "reported with their line numbers, kept in -rejects-file and the rest is imported");
  app.add_option("--rejects-file", o.rejects_path, "Where malformed lines are kept (default <BUNDLE>.rejects.jsonl)");
  app.add_flag("--no-verify", no_verify, "Skip the verification queries after the import");
  app.add_option("--verify-timeout", o.verify_timeout_seconds,
                 "Seconds to wait for imported samples to become searchable during verification")
      ->default_str("60");
  app.add_option("--concurrency", o.concurrency, "Parallel import requests")->default_str("2");
  app.add_option("--gzip-level", o.gzip_level,
                 "Gzip level of the import requests: 1 (fastest) .. 9 (smallest), 0 sends plain JSON "
                 "lines. The default -1 compresses with level 1 unless the target is on this machine "
                 "(localhost), where compression only costs CPU on both sides")
      ->default_str("-1");
  app.add_option("--batch-size", o.batch_bytes, "Uncompressed bytes per import request")->default_str("4194304");
  app.add_option("--max-line-size", o.max_line_bytes, "Longest accepted line in bytes")->default_str("33554432");
  app.add_option("--max-decompressed-size", o.max_decompressed_bytes,
                 "Refuse bundles whose metrics decompress to more bytes than this (ZIP bombs)")
      ->default_str("68719476736");
  app.add_option("--max-decompression-ratio", o.max_decompression_ratio,
                 "Refuse bundles whose metrics, past their first GiB, decompress at more than this ratio "
                 "(ZIP bombs; real metrics compress about 10:1). 0 turns the check off")
      ->default_str("200");
  app.add_option("bundle", bundle, "The bundle: .zip from vmexporter, .jsonl or .jsonl.gz")->required();
  if (auto code = ParseVmFlags(app, args, kUsage)) return *code;

  if (!header.empty()) {
    const size_t colon = header.find(':');
    if (colon == std::string::npos || colon == 0) {
      std::cerr << "error: -header must look like 'Name: value'\n";
      return 2;
    }
    o.http.header_name = header.substr(0, colon);
    o.http.header_value = header.substr(header.find_first_not_of(' ', colon + 1) == std::string::npos
                                            ? header.size()
                                            : header.find_first_not_of(' ', colon + 1));
  }
  Result<TimeShift> shift = ParseTimeShift(time_shift, align_to);
  if (!shift.ok()) {
    std::cerr << "error: " << shift.status().ToString() << "\n";
    return 2;
  }
  o.time_shift = *shift;
  o.drop_labels = SplitList(drop_labels);
  o.verify = !no_verify;
  if (o.rejects_path.empty()) o.rejects_path = bundle + ".rejects.jsonl";
  if (Status s = ValidateImportOptions(o); !s.ok()) {
    std::cerr << "error: " << s.ToString() << "\n";
    return 2;
  }

  if (o.http.tls_cert_file.empty() != o.http.tls_key_file.empty()) {
    std::cerr << "error: -tls-cert-file and -tls-key-file go together\n";
    return 2;
  }

  // The journal records what the target acknowledged, so that an interrupted run continues
  // instead of sending everything again.
  const ResumeJournal journal(resume_path.empty() ? ResumeJournal::DefaultPath(bundle) : resume_path, bundle, o);
  ResumeState resume;
  if (!resume_path.empty()) {
    Result<ResumeState> loaded = journal.Load();
    if (!loaded.ok()) {
      std::cerr << "error: " << loaded.status().ToString() << "\n";
      return 2;
    }
    resume = std::move(*loaded);
    std::cerr << fmt::format("resuming: {} batches were acknowledged before\n", resume.sent_batches.size());
  } else if (Result<ResumeState> earlier = journal.Load(); earlier.ok() && !earlier->sent_batches.empty()) {
    std::cerr << fmt::format(
        "error: an interrupted import of this bundle left {}; continue it with -resume={} (nothing acknowledged "
        "is sent again), or delete that file to import everything again\n",
        journal.path(), journal.path());
    return 2;
  }

  ImportPipeline pipeline(bundle, o);
  std::mutex journal_mu;
  Status journal_status;
  pipeline.OnResumeChanged([&](const ResumeState& state) {
    std::lock_guard lock(journal_mu);
    if (journal_status.ok()) journal_status = journal.Save(state);
  });
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  ImportReport report;
  Status s;
  bool interrupted = false;
  {
    InterruptWatcher watcher(pipeline);
    std::thread reporter([&] {
      std::unique_lock lock(mu);
      while (!cv.wait_for(lock, std::chrono::seconds(2), [&] { return done; })) {
        std::cerr << ProgressLine(pipeline.progress()) << std::endl;
      }
    });
    s = pipeline.Run(&resume, &report);
    {
      std::lock_guard lock(mu);
      done = true;
    }
    cv.notify_all();
    reporter.join();
    interrupted = watcher.interrupted();
  }
  std::cout << report.ToText();
  if (s.ok()) {
    journal.Remove();
    return 0;
  }
  std::cerr << "error: " << s.ToString() << "\n";
  if (!journal_status.ok()) std::cerr << "error: " << journal_status.ToString() << "\n";
  if (resume.sent_batches.empty()) {
    journal.Remove();  // nothing acknowledged: a plain re-run sends nothing twice
  } else if (journal.Exists()) {
    std::cerr << fmt::format("{} of the bundle's batches are acknowledged by the target; to continue run:\n  {}\n",
                             resume.sent_batches.size(), ResumeCommand(args, journal.path()));
  }
  return interrupted ? 130 : 1;
}

}  // namespace vmx::importer
