#include "infrastructure/vm/url_normalizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace vmx {
namespace {

constexpr size_t kMaxUrlLength = 8192;
constexpr const char* kFormsHint =
    "use a URL like http://victoria-metrics:8428, http://vmselect:8481/select/0/prometheus or "
    "https://vmauth.example.com/prefix";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view TrimSpaces(std::string_view s) {
  auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  // Quotes or angle brackets around a URL copied from a chat or a shell command.
  while (s.size() >= 2 &&
         ((s.front() == '"' && s.back() == '"') || (s.front() == '\'' && s.back() == '\'') ||
          (s.front() == '<' && s.back() == '>'))) {
    s = s.substr(1, s.size() - 2);
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  }
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.emplace_back(path.substr(i, j - i));  // empty segments: "//" and trailing "/"
    i = j + 1;
  }
  return parts;
}

std::string JoinPath(const std::vector<std::string>& parts, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to && i < parts.size(); ++i) out += "/" + parts[i];
  return out;
}

bool AllDigits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool FitsUint32(std::string_view s) {
  if (!AllDigits(s) || s.size() > 10) return false;
  return std::stoull(std::string(s)) <= UINT32_MAX;
}

// "0", "1011", "1011:5": VictoriaMetrics' accountID[:projectID], each a uint32.
bool IsTenant(std::string_view s) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) return FitsUint32(s);
  return FitsUint32(s.substr(0, colon)) && FitsUint32(s.substr(colon + 1));
}

// `pasted` as an error may quote it: user:pass@ becomes ***@ (found the way NormalizeVmUrl finds
// it: the last '@' before the path), then cut to 200 characters. Redacting before cutting matters:
// a long password would otherwise be quoted without the '@' that marks it.
std::string ShownInError(std::string_view pasted) {
  std::string shown(pasted);
  size_t authority = 0;
  const size_t scheme = pasted.find("://");
  if (scheme != std::string_view::npos && pasted.find_first_of("/?#@") > scheme) {
    authority = scheme + 3;
  } else if (pasted.substr(0, 2) == "//") {
    authority = 2;
  }
  const size_t path = pasted.find_first_of("/?#", authority);
  const std::string_view host_part = pasted.substr(authority, path == std::string_view::npos
                                                                  ? std::string_view::npos
                                                                  : path - authority);
  const size_t at = host_part.rfind('@');
  if (at != std::string_view::npos) {
    shown = std::string(pasted.substr(0, authority)) + "***" +
            std::string(pasted.substr(authority + at));
  }
  return shown.substr(0, 200);
}

Status Reject(std::string_view pasted, const std::string& why, std::string hint = kFormsHint) {
  return Status::InvalidArgument(
      fmt::format("invalid VictoriaMetrics URL {:?}: {}", ShownInError(pasted), why),
      std::move(hint));
}

// Validates "host[:port]" (host may be a bracketed IPv6 literal); returns the canonical form.
Result<std::string> CheckHostPort(std::string_view pasted, std::string_view hostport,
                                  int* port_out) {
  std::string_view host = hostport;
  std::string_view port;
  if (!hostport.empty() && hostport.front() == '[') {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos)
      return Reject(pasted, "IPv6 address is missing its closing ']'");
    host = hostport.substr(0, close + 1);
    std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Reject(pasted, "unexpected text after the IPv6 address");
      port = rest.substr(1);
    }
    std::string_view inner = host.substr(1, host.size() - 2);
    if (inner.empty() || inner.find(':') == std::string_view::npos ||
        !std::all_of(inner.begin(), inner.end(), [](unsigned char c) {
          return std::isxdigit(c) != 0 || c == ':' || c == '.' || c == '%' || std::isalnum(c) != 0;
        })) {
      return Reject(pasted, fmt::format("{} is not an IPv6 address", host));
    }
  } else {
    size_t colon = hostport.find(':');
    if (colon != std::string_view::npos &&
        hostport.find(':', colon + 1) != std::string_view::npos) {
      return Reject(pasted, "IPv6 addresses must be written in brackets",
                    "write it like http://[::1]:8428");
    }
    if (colon != std::string_view::npos) {
      host = hostport.substr(0, colon);
      port = hostport.substr(colon + 1);
    }
    if (host.empty()) return Reject(pasted, "the host name is missing");
    for (unsigned char c : host) {
      if (std::isalnum(c) == 0 && c != '-' && c != '.' && c != '_') {
        return Reject(pasted, fmt::format("the host name {:?} contains {:?}", host,
                                          std::string(1, static_cast<char>(c))));
      }
    }
  }
  *port_out = 0;
  if (!port.empty() || hostport.back() == ':') {
    if (!AllDigits(port) || port.size() > 5 || std::stoi(std::string(port)) < 1 ||
        std::stoi(std::string(port)) > 65535) {
      return Reject(pasted, fmt::format("port {:?} is not a number from 1 to 65535", port));
    }
    *port_out = std::stoi(std::string(port));
  }
  std::string canonical = Lower(host);
  if (!port.empty()) canonical += ":" + std::string(port);
  return canonical;
}

}  // namespace

Result<NormalizedVmUrl> NormalizeVmUrl(std::string_view pasted) {
  NormalizedVmUrl out;
  std::string_view text = TrimSpaces(pasted);
  if (text.empty()) {
    return Status::InvalidArgument("the VictoriaMetrics URL is empty", kFormsHint);
  }
  if (text.size() > kMaxUrlLength) return Reject(text, "it is longer than 8192 characters");
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return Reject(text, "it contains a control character");
    if (c == ' ') {
      return Reject(text, "it contains a space",
                    "remove the spaces; encode a space in a path as %20");
    }
  }

  // Scheme.
  std::string scheme = "http";
  std::string_view rest = text;
  size_t scheme_end = text.find("://");
  if (scheme_end != std::string_view::npos && text.find_first_of("/?#@") > scheme_end) {
    scheme = Lower(text.substr(0, scheme_end));
    rest = text.substr(scheme_end + 3);
    if (scheme != "http" && scheme != "https") {
      return Reject(text,
                    fmt::format("scheme {:?} is not supported (only http and https)", scheme));
    }
  } else {
    if (rest.substr(0, 2) == "//") rest.remove_prefix(2);
    out.notes.push_back("no scheme given: using http://");
  }

  // Authority: [user[:pass]@]host[:port].
  size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path_and_more =
      path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    out.username = PercentDecode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) out.password = PercentDecode(userinfo.substr(colon + 1));
    if (out.username.empty() && out.password.empty()) {
      return Reject(text, "the credentials before '@' are empty");
    }
    out.had_credentials = true;
    out.notes.push_back("moved the credentials in the URL to basic auth");
  }
  if (authority.empty()) return Reject(text, "the host name is missing");
  int port = 0;
  Result<std::string> hostport = CheckHostPort(text, authority, &port);
  if (!hostport.ok()) return hostport.status();

  // Path: drop query and fragment, then any API or UI tail a user may have copied.
  size_t qpos = path_and_more.find_first_of("?#");
  std::string_view path = path_and_more.substr(0, qpos);
  if (qpos != std::string_view::npos) {
    out.notes.push_back(fmt::format("removed {:?}", std::string(path_and_more.substr(qpos, 80))));
  }
  std::vector<std::string> parts = SplitPath(path);
  // Repeated until nothing is left to cut, so the result is a fixed point: "/x/api/api" must not
  // become "/x/api", which the next normalisation would cut again (the URL would drift).
  for (bool cut = true; cut;) {
    cut = false;
    for (size_t i = 0; i < parts.size(); ++i) {
      const std::string seg = Lower(parts[i]);
      const bool api = seg == "api" && (i + 1 == parts.size() || Lower(parts[i + 1]) == "v1");
      const bool ui = seg == "vmui" || seg == "graph";
      const bool last_only =
          i + 1 == parts.size() && (seg == "metrics" || seg == "health" || seg == "federate");
      if (api || ui || last_only) {
        out.notes.push_back(
            fmt::format("removed {:?} from the path", JoinPath(parts, i, parts.size())));
        parts.resize(i);
        cut = true;
        break;
      }
    }
  }

  const std::string origin = scheme + "://" + *hostport;
  size_t base_start = parts.size();  // index where api_base_path begins
  std::vector<std::string> base;     // api_base_path segments

  // Cluster vmselect: [prefix]/select/<tenant>[/prometheus]
  for (size_t i = 0; i < parts.size(); ++i) {
    if (Lower(parts[i]) == "insert" && i + 1 < parts.size() &&
        (IsTenant(parts[i + 1]) || Lower(parts[i + 1]) == "multitenant")) {
      return Reject(
          text, "this is a vminsert URL, which only accepts writes",
          fmt::format("point at vmselect instead: http://<vmselect>:8481/select/{}/prometheus",
                      parts[i + 1]));
    }
    if (Lower(parts[i]) != "select") continue;
    if (i + 1 >= parts.size() || Lower(parts[i + 1]) == "prometheus") {
      return Reject(text, "the /select/ path has no tenant",
                    "add the tenant (account ID) after /select/, e.g. /select/0/prometheus, "
                    "/select/1011:5/prometheus or /select/multitenant/prometheus");
    }
    const std::string tenant = parts[i + 1];
    if (Lower(tenant) == "multitenant") {
      out.is_multitenant = true;
    } else if (!IsTenant(tenant)) {
      return Reject(text, fmt::format("tenant {:?} is not an account ID", tenant),
                    "a tenant is accountID or accountID:projectID, both numbers, e.g. 0, 1011 or "
                    "1011:5 (or multitenant)");
    } else {
      out.tenant_id = tenant;
    }
    if (i + 2 < parts.size() && Lower(parts[i + 2]) != "prometheus") {
      return Reject(
          text,
          fmt::format("unexpected {:?} after the tenant", JoinPath(parts, i + 2, parts.size())),
          fmt::format("vmselect serves /select/{}/prometheus", tenant));
    }
    if (i + 2 >= parts.size()) out.notes.push_back("added /prometheus after the tenant");
    base_start = i;
    base = {"select", out.is_multitenant ? "multitenant" : tenant, "prometheus"};
    break;
  }

  if (base.empty()) {
    // [prefix][/<tenant>[/rw|/r]]/prometheus (managed gateways) or plain [prefix]/prometheus.
    size_t prom = parts.size();
    for (size_t i = parts.size(); i-- > 0;) {
      if (Lower(parts[i]) == "prometheus") {
        prom = i;
        break;
      }
    }
    if (prom < parts.size()) {
      if (prom + 1 != parts.size()) {
        return Reject(text, fmt::format("unexpected {:?} after /prometheus",
                                        JoinPath(parts, prom + 1, parts.size())));
      }
      base_start = prom;
      base = {"prometheus"};
      if (prom >= 1 && (Lower(parts[prom - 1]) == "rw" || Lower(parts[prom - 1]) == "r") &&
          prom >= 2 && IsTenant(parts[prom - 2])) {
        out.tenant_id = parts[prom - 2];
        base_start = prom - 2;
        base = {parts[prom - 2], Lower(parts[prom - 1]), "prometheus"};
      } else if (prom >= 1 && IsTenant(parts[prom - 1])) {
        out.tenant_id = parts[prom - 1];
        base_start = prom - 1;
        base = {parts[prom - 1], "prometheus"};
      }
    }
  }

  std::string prefix = JoinPath(parts, 0, base_start);
  out.url = origin + prefix;
  for (const std::string& s : base) out.api_base_path += "/" + s;
  out.full_api_url = out.url + out.api_base_path;

  if (base.empty() && prefix.empty() && port == 8481) {
    out.needs_tenant = true;
    out.hint = "port 8481 is usually a cluster vmselect, which needs a tenant: use " + origin +
               "/select/<tenant>/prometheus, e.g. /select/0/prometheus";
  }
  return out;
}

Result<Connection> NormalizeConnection(const Connection& in) {
  // A connection this function returned (the browser sends it back) is read whole, from its
  // full_api_url: its url alone may end in segments that mean something on their own
  // ("https://gw/rw/prometheus" + "/prometheus", "https://gw/metrics" + "/select/0/prometheus"),
  // and splitting it again would move the target.
  const bool normalised = !in.url.empty() && !in.api_base_path.empty() &&
                          in.full_api_url == in.url + in.api_base_path;
  const std::string& source = normalised || in.url.empty() ? in.full_api_url : in.url;
  Result<NormalizedVmUrl> n = NormalizeVmUrl(source);
  if (!n.ok()) return n.status();
  // An explicit api_base_path or tenant completes a bare URL ("http://h:8481" +
  // "/select/0/prometheus").
  if (n->api_base_path.empty()) {
    std::string extra;
    if (!in.api_base_path.empty() && in.api_base_path != "/") {
      extra = in.api_base_path.front() == '/' ? in.api_base_path : "/" + in.api_base_path;
    } else if (in.is_multitenant) {
      extra = "/select/multitenant/prometheus";
    } else if (!in.tenant_id.empty()) {
      extra = "/select/" + in.tenant_id + "/prometheus";
    }
    if (!extra.empty()) {
      Result<NormalizedVmUrl> joined = NormalizeVmUrl(n->url + extra);
      if (!joined.ok())
        return joined.status().Wrap("cannot combine url with api_base_path/tenant_id");
      joined->username = n->username;
      joined->password = n->password;
      joined->had_credentials = n->had_credentials;
      n = std::move(joined);
    }
  }
  Connection out = in;
  out.url = n->url;
  out.api_base_path = n->api_base_path;
  out.tenant_id = n->tenant_id;
  out.is_multitenant = n->is_multitenant;
  out.full_api_url = n->full_api_url;
  if (n->had_credentials && in.auth.type == AuthType::kNone) {
    out.auth.type = AuthType::kBasic;
    out.auth.username = n->username;
    out.auth.password = n->password;
  }
  return out;
}

std::optional<std::string> ExportFallbackApiUrl(const Connection& c) {
  const std::string& base = c.api_base_path;
  constexpr std::string_view kRw = "/rw/prometheus";
  if (base.size() <= kRw.size() || base.compare(base.size() - kRw.size(), kRw.size(), kRw) != 0) {
    return std::nullopt;
  }
  return c.url + base.substr(0, base.size() - kRw.size()) + "/prometheus";
}

}  // namespace vmx
