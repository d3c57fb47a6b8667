// VmService: the read-only conversations with VictoriaMetrics the wizard needs before an export
// (SPEC.md section 4): validate a connection, discover components over a range, preview series.
// The REST layer calls only this; each call normalises the connection it is given.
//
// Thread-safe: stateless; every call builds its own VmClient.
#pragma once

#include <nlohmann/json.hpp>

#include "application/discovery/component_discovery.h"
#include "application/discovery/connection_validator.h"
#include "application/discovery/selector_jobs.h"
#include "application/discovery/series_sampler.h"
#include "common/status.h"
#include "domain/connection.h"
#include "domain/export_config.h"
#include "domain/time_range.h"

namespace vmx {

class VmService {
 public:
  // Reachability, auth, flavour, versions, components; tries URL alternatives
  // (ConnectionValidator).
  ValidationReport Validate(const Connection& connection) const;
  // Components, jobs, instances and series counts over the whole `range`, plus size estimates.
  Result<DiscoveryReport> Discover(const Connection& connection, const TimeRange& range) const;
  // Up to `limit` (capped at kMaxSampleSeries) obfuscated series of `config`'s selection.
  Result<nlohmann::json> Sample(const ExportConfig& config, int64_t limit) const;
  // Whether a custom selector or MetricsQL query works, and what it returns now.
  Result<QueryCheck> CheckQuery(const Connection& connection, const std::string& query) const;
  // The jobs a custom selector matches over `range`.
  Result<std::vector<SelectorJob>> SelectorJobs(const Connection& connection,
                                                const std::string& selector,
                                                const TimeRange& range) const;
};

}  // namespace vmx
