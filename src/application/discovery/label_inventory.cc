#include "application/discovery/label_inventory.h"

#include "application/export/export_selection.h"
#include "infrastructure/obfuscation/label_places.h"
#include "infrastructure/vm/url_normalizer.h"
#include "infrastructure/vm/vm_client.h"

namespace vmx {

namespace {

std::string_view Treatment(LabelKind kind) {
  switch (kind) {
    case LabelKind::kSupport:
      return "support";
    case LabelKind::kInstance:
      return "instance";
    case LabelKind::kJob:
      return "job";
    case LabelKind::kIdentity:
      return "identity";
    case LabelKind::kTenantAccount:
    case LabelKind::kTenantProject:
      return "tenant";
    case LabelKind::kAddressList:
      return "address";
    case LabelKind::kFlagValue:
    case LabelKind::kOther:
      break;
  }
  return "other";
}

}  // namespace

Result<nlohmann::json> LabelInventory(const ExportConfig& input) {
  ExportConfig config = input;
  Result<Connection> conn = NormalizeConnection(config.connection);
  if (!conn.ok()) return conn.status().Wrap("connection");
  config.connection = *conn;
  Result<ExportSelection> selection = SelectionFor(config);
  if (!selection.ok()) return selection.status();
  VmClient client(config.connection);
  const std::vector<std::string> match =
      selection->metricsql ? std::vector<std::string>{} : std::vector{selection->match};
  Result<std::vector<std::string>> names = client.LabelNames(match, config.time_range);
  if (!names.ok()) return names.status().Wrap("cannot list the labels of the selection");
  nlohmann::json labels = nlohmann::json::array();
  for (const std::string& name : *names) {
    const LabelKind kind = KindOfLabel(name, "");
    nlohmann::json row = {{"name", name}, {"treatment", Treatment(kind)}};
    std::string_view reason = IdentityReason(name);
    if (kind == LabelKind::kSupport) reason = "support needs it to read the data; never changed";
    if (kind == LabelKind::kAddressList && reason.empty()) reason = "addresses: every host becomes 777.777.X.Y";
    if (!reason.empty()) row["reason"] = reason;
    labels.push_back(std::move(row));
  }
  return nlohmann::json{
      {"labels", labels}, {"source", "labels_api"}, {"whole_database", selection->metricsql}};
}

}  // namespace vmx
