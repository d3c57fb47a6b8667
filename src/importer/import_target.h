// ImportTarget: where vmimport writes and reads, derived from the URL and tenant a user gives.
//
// Single node: http://host:8428 (with or without /prometheus) -> /api/v1/import, queries on the
// same base. Cluster: a tenant (flag or /insert/<t>/prometheus in the URL) -> writes go to
// /insert/<t>/prometheus/api/v1/import and verification reads /select/<t>/prometheus on the
// same host (vmauth in front of vminsert and vmselect), unless a separate read URL is given.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace vmx::importer {

struct ImportTarget {
  std::string write_url;               // full URL of the import endpoint
  std::string read_base;               // base for /api/v1/query and /api/v1/series
  std::vector<std::string> metrics_urls;  // where the target's /metrics (its flags) may answer
  std::string tenant;                  // "" for a single node
  std::string url_user;                // credentials found in the URL (moved out of it)
  std::string url_password;
  // True when the write URL's host is 127.0.0.0/8, ::1 or localhost.
  bool is_loopback() const;
  // The write URL without credentials, for messages and the UI.
  std::string display() const { return write_url; }
};

// Builds the target from `url` (any form a user pastes), an optional `tenant` ("1011",
// "1011:5") and an optional `read_url` for verification queries.
Result<ImportTarget> ResolveImportTarget(std::string url, const std::string& tenant,
                                         const std::string& read_url = "");

}  // namespace vmx::importer
