// ConnectionValidator: the /api/validate check (SPEC.md section 3). Normalises the pasted URL,
// tries it and the sensible alternatives when it is ambiguous (a bare host may be a vmselect that
// needs /select/0/prometheus; a server may name its -http.pathPrefix), then detects the flavour
// (single node, cluster vmselect, behind vmauth, managed gateway), versions, components seen in
// the last hour, and whether the export route exists. Every attempt is reported.
//
// Thread-safe: holds no state between calls.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "domain/connection.h"

namespace vmx {

// One URL tried during validation.
struct ValidationAttempt {
  std::string full_api_url;  // never contains credentials
  std::string api_base_path;
  bool ok = false;
  std::string error;  // the failure, for a person
  std::string hint;
};

struct ValidationReport {
  Status status;        // Ok, or why the connection cannot be used
  std::string stage;    // where it failed: "url", "reachable", "auth", "api"; "" when ok
  Connection resolved;  // the working connection (secrets inside; never sent as is)
  std::string flavour;  // "single", "cluster", "vmauth", "managed"
  std::string backend;  // "single" or "cluster": what answers behind any proxy
  bool behind_vmauth = false;
  std::string version;                                  // e.g. "v1.79.5"; "" when no build says
  std::map<std::string, std::string> versions;          // component -> version
  nlohmann::json components = nlohmann::json::array();  // [{component, version, jobs, …}]
  bool export_route = true;
  std::string export_fallback_url;  // set when /rw/ lacks export and the plain prefix has it
  std::vector<ValidationAttempt> attempts;
  std::vector<std::string> notes;
  std::string hint;

  // The success reply of /api/validate with vmgather's fields (success, valid, message, version,
  // components as a count, vm_components, is_victoria_metrics, final_endpoint,
  // resolved_connection, attempts) and ours beside them; secrets are never included.
  nlohmann::json ToJson() const;
  // The failure reply (vmgather answers it with HTTP 200): {"success":false, "valid":false,
  // "message", "error", "hint", "stage", "failure_status" (the HTTP status it maps to),
  // "attempts"}.
  nlohmann::json ToErrorJson() const;
};

// Validates `connection` (as sent by the browser: url plus optional parts, auth, TLS).
ValidationReport ValidateConnection(const Connection& connection);

}  // namespace vmx
