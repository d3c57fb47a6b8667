// LabelInventory: every label name of an export's selection over its whole range (from
// /api/v1/labels with the selection's match[], not a sample of series), each with what the
// obfuscator does with it by default, for the wizard's privacy step.
#pragma once

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "domain/export_config.h"

namespace vmx {

// Returns {"labels": [{"name", "treatment", "reason"}], "source": "labels_api"} where treatment is
// "identity" (pseudonymised by default, `reason` says why), "support" (never changed),
// "instance", "job", "tenant", "address" or "other" (only addresses and customer words inside
// are replaced). `config.connection` need not be normalised yet. A MetricsQL selection cannot be
// a match[]: then the names come from the whole database over the range.
Result<nlohmann::json> LabelInventory(const ExportConfig& config);

}  // namespace vmx
