// How to reach one VictoriaMetrics endpoint: URL parts, auth and TLS. Plain values.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "common/status.h"

namespace vmx {

enum class AuthType { kNone, kBasic, kBearer, kHeader };

struct AuthConfig {
  AuthType type = AuthType::kNone;
  std::string username;      // basic
  std::string password;      // basic; secret
  std::string token;         // bearer; secret
  std::string header_name;   // header
  std::string header_value;  // header; secret
};

struct TlsConfig {
  bool skip_verify = false;
  std::string ca_file;         // PEM bundle; empty means system CAs
  std::string cert_file;       // client certificate (PEM)
  std::string key_file;        // client key (PEM)
};

// A normalised VictoriaMetrics connection. `url` is scheme://host[:port] plus any path prefix
// that precedes the Prometheus API (e.g. "http://h:8481"), `api_base_path` the rest up to
// "/api/v1" (e.g. "/select/0/prometheus"); requests go to url + api_base_path + "/api/v1/...".
struct Connection {
  std::string url;
  std::string api_base_path;
  std::string tenant_id;        // "0", "1011", "1011:5"; empty when not a tenant URL
  bool is_multitenant = false;  // /select/multitenant
  std::string full_api_url;     // url + api_base_path, the base every API call extends
  AuthConfig auth;
  TlsConfig tls;
};

// Reads a Connection from the API's JSON (field names as in SPEC.md section 4; "skip_tls_verify",
// "tls_ca_file", "tls_cert_file", "tls_key_file" at the connection level). Unknown fields are
// ignored; a wrong type or value names the field, prefixed with `field_prefix` ("connection.").
Result<Connection> ConnectionFromJson(const nlohmann::json& j,
                                      const std::string& field_prefix = "connection.");

// The JSON form without any secret (passwords, tokens, header values are never included).
nlohmann::json ConnectionToPublicJson(const Connection& c);

// "none", "basic", "bearer", "header".
const char* AuthTypeName(AuthType t);

}  // namespace vmx
