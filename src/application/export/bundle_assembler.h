// BundleAssembler: builds the ZIP of one export from its staged windows, in time order. Each
// window's deflated piece is copied into metrics.jsonl as it is (no second compression) and
// inflated once to hash it and count its series; README.txt and metadata.json follow, then the
// ZIP is committed and its ".sha256" written beside it.
//
// With a LeakGuardSource, the plain text of every window and entry is scanned for the originals
// the obfuscator replaced before the bundle is committed; a hit stops the bundle (LeakFound).
//
// Not thread-safe; one assembling thread uses it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "application/export/window_fetcher.h"
#include "common/status.h"
#include "infrastructure/archive/bundle_metadata.h"

namespace vmx {

class LeakGuard;
class ZipBundleWriter;
class Sha256Stream;

// The leak guard for the next window or entry: every original replaced so far (the originals of
// a window are known once it is done), or null when nothing is obfuscated.
using LeakGuardSource = std::function<std::unique_ptr<LeakGuard>()>;

class BundleAssembler {
 public:
  // Starts the ZIP at `path` (written as a temp file until Finish) with metrics.jsonl open.
  static Result<std::unique_ptr<BundleAssembler>> Create(const std::string& path,
                                                         int compression_level,
                                                         LeakGuardSource leak_guards = {});
  ~BundleAssembler();
  BundleAssembler(const BundleAssembler&) = delete;
  BundleAssembler& operator=(const BundleAssembler&) = delete;

  // Appends the staged window whose deflated piece is `piece_path` and whose stats are `stats`.
  // Stops with Status::Canceled when `stop` turns true.
  Status AddWindow(const std::string& piece_path, const WindowStats& stats,
                   const std::atomic<bool>& stop);
  // Distinct series added so far.
  uint64_t series() const { return series_.size(); }

  // Ends metrics.jsonl, fills `m`'s metrics_count and entry hashes, writes README.txt and
  // metadata.json, commits the ZIP and writes the .sha256 file. Returns the ZIP's SHA-256.
  Result<std::string> Finish(BundleMetadata& m);
  const std::string& path() const;

 private:
  BundleAssembler() = default;

  std::unique_ptr<ZipBundleWriter> zip_;
  std::unique_ptr<Sha256Stream> metrics_hash_;
  LeakGuardSource leak_guards_;
  uint32_t crc_ = 0;
  uint64_t bytes_ = 0;
  std::unordered_set<uint64_t> series_;  // hashes of distinct metric objects
  std::string block_;
};

}  // namespace vmx
