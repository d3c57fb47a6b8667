#include "application/discovery/vm_service.h"

#include "infrastructure/vm/url_normalizer.h"
#include "infrastructure/vm/vm_client.h"

namespace vmx {

ValidationReport VmService::Validate(const Connection& connection) const {
  return ValidateConnection(connection);
}

Result<DiscoveryReport> VmService::Discover(const Connection& connection,
                                            const TimeRange& range) const {
  Result<Connection> c = NormalizeConnection(connection);
  if (!c.ok()) return c.status().Wrap("connection");
  VmClient client(*c);
  return DiscoverComponents(client, range);
}

Result<QueryCheck> VmService::CheckQuery(const Connection& connection,
                                         const std::string& query) const {
  Result<Connection> c = NormalizeConnection(connection);
  if (!c.ok()) return c.status().Wrap("connection");
  VmClient client(*c);
  return vmx::CheckQuery(client, query);
}

Result<std::vector<SelectorJob>> VmService::SelectorJobs(const Connection& connection,
                                                         const std::string& selector,
                                                         const TimeRange& range) const {
  Result<Connection> c = NormalizeConnection(connection);
  if (!c.ok()) return c.status().Wrap("connection");
  VmClient client(*c);
  return DiscoverSelectorJobs(client, selector, range);
}

Result<nlohmann::json> VmService::Sample(const ExportConfig& config, int64_t limit) const {
  return SampleSeries(config, limit);
}

}  // namespace vmx
