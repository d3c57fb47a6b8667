// LineRewriter: checks one VictoriaMetrics JSON line and applies the import options to it.
//
// A line is {"metric":{...},"values":[...],"timestamps":[...]} as /api/v1/export writes it.
// The rewriter validates it, measures it (series identity, samples, time span, labels), and
// writes the line to send: byte for byte when nothing changes, otherwise rebuilt with shifted
// timestamps, samples outside retention removed and dropped labels gone. Values are copied as
// their original JSON text (huge integers, NaN and Inf survive). It is the one validator of
// preflight, strict pre-scan and import: a value VictoriaMetrics would skip (a string, null,
// true) makes the line malformed whatever the rules.
// Not thread-safe; one per pipeline thread (it reuses its buffers).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vmx::importer {

struct RewriteRules {
  int64_t shift_ms = 0;  // added to every timestamp
  // Samples whose (shifted) timestamp is below this are dropped; INT64_MIN keeps everything.
  int64_t min_timestamp_ms = std::numeric_limits<int64_t>::min();
  std::vector<std::string> drop_labels;  // never contains __name__, job or instance
};

// What one line held, after the rules were applied.
struct LineFacts {
  uint64_t series_hash = 0;       // identity of the (rewritten) label set
  std::string_view metric_name;   // valid until the next Rewrite()
  size_t labels = 0;              // label count including __name__, before dropping
  size_t samples_in = 0;          // samples in the line
  size_t samples_out = 0;         // samples left after the retention trim
  int64_t min_ts = 0;             // over the kept, shifted samples (valid if samples_out > 0)
  int64_t max_ts = 0;
  // Unshifted timestamps of the first and last sample of the line (valid if samples_in > 0).
  int64_t first_original_ts = 0;
  int64_t last_original_ts = 0;
};

class LineRewriter {
 public:
  explicit LineRewriter(RewriteRules rules);

  // Parses `line`; on success fills `facts` and appends the line to send to `out` (nothing when
  // every sample was trimmed). A malformed line gives kInvalidArgument with the reason.
  Status Rewrite(std::string_view line, LineFacts* facts, std::string* out);

  const RewriteRules& rules() const { return rules_; }

 private:
  bool Drops(std::string_view label) const;
  static Status CheckValue(simdjson::ondemand::value& elem, size_t position, std::string_view* token);

  RewriteRules rules_;
  bool passthrough_;  // no rule can change a line: send it as it came
  simdjson::ondemand::parser parser_;
  std::string padded_;
  std::string metric_out_;
  std::string name_;
  std::vector<std::string_view> values_;
  std::vector<int64_t> timestamps_;
};

}  // namespace vmx::importer
