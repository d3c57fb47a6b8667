#include "importer/import_command.h"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "common/vm_flags.h"
#include "importer/import_pipeline.h"

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

  ImportPipeline pipeline(bundle, o);
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread reporter([&] {
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, std::chrono::seconds(2), [&] { return done; })) {
      std::cerr << ProgressLine(pipeline.progress()) << std::endl;
    }
  });
  ResumeState resume;
  ImportReport report;
  const Status s = pipeline.Run(&resume, &report);
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  reporter.join();
  std::cout << report.ToText();
  if (!s.ok()) {
    std::cerr << "error: " << s.ToString() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace vmx::importer
