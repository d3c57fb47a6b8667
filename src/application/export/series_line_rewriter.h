// SeriesLineRewriter: rewrites one /api/v1/export JSON line. Only the `metric` object is parsed
// (simdjson) and passed through the obfuscator; the `values` and `timestamps` arrays are located
// as raw text and copied byte for byte, so null, "Infinity", huge integers and the bare NaN/+Inf
// of older VictoriaMetrics survive untouched. With a step, only the last sample of every step
// bucket [k*step, (k+1)*step) is kept, like VictoriaMetrics deduplication.
//
// Rewritten metric objects are cached by their original text (bounded, per worker: the export's
// memory target is shared by all workers), because the same series comes back in every window. Not
// thread-safe: one rewriter per worker; the Obfuscator is shared.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "common/status.h"
#include "infrastructure/obfuscation/obfuscator.h"

namespace vmx {

class SeriesLineRewriter {
 public:
  // `obfuscator` may be null: labels are then copied unchanged. `step_ms` 0 keeps every sample.
  // `cache_bytes` bounds the memory of the metric cache.
  SeriesLineRewriter(std::shared_ptr<Obfuscator> obfuscator, int64_t step_ms,
                     size_t cache_bytes = 4 << 20);
  ~SeriesLineRewriter();

  // Appends the rewritten line and "\n" to `out`. A line left without samples by the step is
  // dropped. Errors name what is malformed.
  Status Rewrite(std::string_view line, std::string* out);

  // Series lines written and samples in them so far.
  uint64_t lines() const { return lines_; }
  uint64_t samples() const { return samples_; }
  // Distinct `job` label values written (already rewritten), for the bundle's metadata.
  const std::set<std::string>& jobs() const { return jobs_; }

 private:
  struct Cache;
  Status RewriteMetric(std::string_view metric, std::string* out);
  std::shared_ptr<Obfuscator> obfuscator_;
  int64_t step_ms_;
  std::unique_ptr<Cache> cache_;
  uint64_t lines_ = 0;
  uint64_t samples_ = 0;
  std::set<std::string> jobs_;
};

// Appends `s` to `out` as a JSON string literal (quotes included), escaping as RFC 8259 asks.
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace vmx
