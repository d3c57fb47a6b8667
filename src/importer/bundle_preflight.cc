#include "importer/bundle_preflight.h"

#include "importer/time_text.h"

namespace vmx::importer {

Result<PreflightReport> BundleScan::Report(const ImportOptions& options, const TargetFlags& flags) const {
  std::optional<int64_t> retention_ms;
  PreflightReport rep;
  if (!options.retention.empty()) {
    Result<int64_t> r = ParseRetentionMs(options.retention);
    if (!r.ok()) return r.status();
    retention_ms = *r;
    rep.retention = options.retention;
  } else if (flags.retention_ms) {
    retention_ms = flags.retention_ms;
    rep.retention = flags.retention_text;
  }
  const std::optional<int> label_limit = options.max_labels_per_series > 0
                                             ? std::optional<int>(options.max_labels_per_series)
                                             : flags.max_labels_per_series;
  rep.bundle_format = bundle_format;
  rep.metadata_json = metadata_json;
  rep.lines = lines;
  tally.Finish(options.time_shift, retention_ms, label_limit, UnixNowMs(), &rep);
  return rep;
}

Result<std::shared_ptr<const BundleScan>> ScanBundle(const std::string& path, const BundleLimits& limits,
                                                     const std::atomic<bool>* cancel) {
  Result<std::unique_ptr<BundleStream>> stream = BundleStream::Open(path, limits);
  if (!stream.ok()) return stream.status();
  auto scan = std::make_shared<BundleScan>();
  scan->bundle_format = BundleFormatName((*stream)->reader().format());
  scan->metadata_json = (*stream)->reader().metadata_json();
  StreamProgress progress;
  Status s = (*stream)->ForEachLine(
      [&](std::string_view line, uint64_t n) {
        scan->tally.AddLine(line, n);
        return Status::Ok();
      },
      &progress, cancel,
      [&](uint64_t n, std::string_view, uint64_t, const Status& why) {
        scan->tally.AddBadLine(n, why);
        return Status::Ok();
      });
  if (!s.ok()) return s;
  scan->lines = progress.lines.load();
  return std::shared_ptr<const BundleScan>(std::move(scan));
}

}  // namespace vmx::importer
