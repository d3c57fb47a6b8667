#include "domain/connection.h"

#include <fmt/format.h>

#include "domain/json_fields.h"

namespace vmx {

const char* AuthTypeName(AuthType t) {
  switch (t) {
    case AuthType::kNone: return "none";
    case AuthType::kBasic: return "basic";
    case AuthType::kBearer: return "bearer";
    case AuthType::kHeader: return "header";
  }
  return "none";
}

Result<Connection> ConnectionFromJson(const nlohmann::json& j, const std::string& p) {
  using namespace json_fields;
  if (!j.is_object()) return Status::InvalidArgument(fmt::format("{} must be an object", p.substr(0, p.size() - 1)));
  Connection c;
  Status s;
  if (!(s = ReadString(j, "url", p, &c.url)).ok()) return s;
  if (!(s = ReadString(j, "api_base_path", p, &c.api_base_path)).ok()) return s;
  if (!(s = ReadString(j, "tenant_id", p, &c.tenant_id)).ok()) return s;
  if (!(s = ReadBool(j, "is_multitenant", p, &c.is_multitenant)).ok()) return s;
  if (!(s = ReadString(j, "full_api_url", p, &c.full_api_url)).ok()) return s;
  if (!(s = ReadBool(j, "skip_tls_verify", p, &c.tls.skip_verify)).ok()) return s;
  if (!(s = ReadString(j, "tls_ca_file", p, &c.tls.ca_file)).ok()) return s;
  if (!(s = ReadString(j, "tls_cert_file", p, &c.tls.cert_file)).ok()) return s;
  if (!(s = ReadString(j, "tls_key_file", p, &c.tls.key_file)).ok()) return s;
  Result<const nlohmann::json*> auth = ReadObject(j, "auth", p);
  if (!auth.ok()) return auth.status();
  if (*auth != nullptr) {
    const nlohmann::json& a = **auth;
    const std::string ap = p + "auth.";
    std::string type = "none";
    if (!(s = ReadString(a, "type", ap, &type)).ok()) return s;
    if (type == "none" || type.empty()) {
      c.auth.type = AuthType::kNone;
    } else if (type == "basic") {
      c.auth.type = AuthType::kBasic;
    } else if (type == "bearer") {
      c.auth.type = AuthType::kBearer;
    } else if (type == "header") {
      c.auth.type = AuthType::kHeader;
    } else {
      return Status::InvalidArgument(
          fmt::format("{}type must be one of none, basic, bearer, header (got {:?})", ap, type));
    }
    if (!(s = ReadString(a, "username", ap, &c.auth.username)).ok()) return s;
    if (!(s = ReadString(a, "password", ap, &c.auth.password)).ok()) return s;
    if (!(s = ReadString(a, "token", ap, &c.auth.token)).ok()) return s;
    if (!(s = ReadString(a, "header_name", ap, &c.auth.header_name)).ok()) return s;
    if (!(s = ReadString(a, "header_value", ap, &c.auth.header_value)).ok()) return s;
    if (c.auth.type == AuthType::kBasic && c.auth.username.empty()) {
      return Status::InvalidArgument(ap + "username is required for basic auth");
    }
    if (c.auth.type == AuthType::kBearer && c.auth.token.empty()) {
      return Status::InvalidArgument(ap + "token is required for bearer auth");
    }
    if (c.auth.type == AuthType::kHeader && c.auth.header_name.empty()) {
      return Status::InvalidArgument(ap + "header_name is required for header auth");
    }
  }
  if (c.url.empty() && c.full_api_url.empty()) {
    return Status::InvalidArgument(p + "url is required", "paste the VictoriaMetrics URL, e.g. http://vmselect:8481/select/0/prometheus");
  }
  return c;
}

nlohmann::json ConnectionToPublicJson(const Connection& c) {
  nlohmann::json auth = {{"type", AuthTypeName(c.auth.type)}};
  if (c.auth.type == AuthType::kBasic) auth["username"] = c.auth.username;
  if (c.auth.type == AuthType::kHeader) auth["header_name"] = c.auth.header_name;
  return {{"url", c.url},
          {"api_base_path", c.api_base_path},
          {"tenant_id", c.tenant_id},
          {"is_multitenant", c.is_multitenant},
          {"full_api_url", c.full_api_url},
          {"auth", auth},
          {"skip_tls_verify", c.tls.skip_verify}};
}

}  // namespace vmx
