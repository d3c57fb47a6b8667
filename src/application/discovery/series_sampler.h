// SeriesSampler: the /api/sample preview. Lists up to `limit` series (capped at 1000) that the
// export of `config` would contain inside its time range, rewritten by the same Obfuscator the
// export uses (ObfuscatorFor), so the preview shows exactly the pseudonyms the bundle will carry.
// Each series carries its newest value near the end of the range and the evaluation time it was
// read at, in ms, as vmgather's preview does (null when it has none there, or it is NaN/Inf).
//
// Thread-safe: holds no state between calls.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "common/status.h"
#include "domain/export_config.h"

namespace vmx {

// The most series a preview returns, whatever the caller asks.
inline constexpr int64_t kMaxSampleSeries = 1000;

// Returns {"series":[{"metric":{…}, "value", "timestamp"}], "count", "limit", "truncated",
// "obfuscated", "time_range", "selector"}. `config.connection` need not be normalised yet.
Result<nlohmann::json> SampleSeries(const ExportConfig& config, int64_t limit);

}  // namespace vmx
