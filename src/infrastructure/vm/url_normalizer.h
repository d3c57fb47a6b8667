// Turns whatever a user pasted as "the VictoriaMetrics URL" into the parts every API call needs
// (SPEC.md section 3): single node with or without /prometheus, vmselect
// /select/<tenant>/prometheus (incl. 1011:5 and multitenant), vmauth path prefixes, managed
// /<tenant>/{rw,r}/prometheus, pasted API or UI URLs, IPv6 hosts, missing scheme, credentials in
// the URL. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/connection.h"

namespace vmx {

// The normalised form of one pasted URL. Credentials never appear in `url` or `full_api_url`.
struct NormalizedVmUrl {
  std::string url;            // scheme://host[:port][/prefix before the Prometheus API]
  std::string api_base_path;  // "/select/0/prometheus", "/prometheus", "/1011/rw/prometheus" or ""
  std::string tenant_id;      // "0", "1011", "1011:5"; empty without a tenant (and for multitenant)
  bool is_multitenant = false;
  std::string full_api_url;  // url + api_base_path
  std::string username;      // lifted from user:pass@ (percent-decoded); empty when none
  std::string password;
  bool had_credentials = false;
  // The URL looks like a cluster vmselect without a tenant (port 8481, no /select/<t>/): calls
  // will fail until a tenant is added; `hint` says how.
  bool needs_tenant = false;
  std::string hint;
  // What was changed, for the user ("added http://", "removed /api/v1/query?query=up").
  std::vector<std::string> notes;
};

// Normalises pasted text; rejects what cannot be a VictoriaMetrics URL with a message saying why
// and a hint showing a valid form.
Result<NormalizedVmUrl> NormalizeVmUrl(std::string_view pasted);

// Normalises a Connection from the API: its url (or full_api_url when url is empty), an explicit
// api_base_path / tenant_id when the URL carries none, and credentials from the URL moved into
// basic auth unless auth is already configured. TLS and auth settings are kept.
Result<Connection> NormalizeConnection(const Connection& in);

// For a managed-style ".../<tenant>/rw/prometheus" base: the same base without "/rw", which
// serves /api/v1/export when the /rw/ route lacks it. Empty for other URLs.
std::optional<std::string> ExportFallbackApiUrl(const Connection& c);

}  // namespace vmx
