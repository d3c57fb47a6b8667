#include "infrastructure/obfuscation/text_scrubber.h"

#include <algorithm>
#include <array>

#include "infrastructure/obfuscation/address_syntax.h"

namespace vmx {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsSchemeChar(char c) { return IsAlnum(c) || c == '+' || c == '-' || c == '.'; }
bool IsNameChar(char c) { return IsAlnum(c) || c == '_' || c == '-' || c == '.'; }
bool IsLocalChar(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
// Where a URL ends inside free text; commas end it too, so "-storageNode" style lists split.
bool IsUrlEnd(char c) {
  return IsSpace(c) || c == ',' || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>' ||
         c == '{' || c == '}' || c == '|' || c == '\\' || c == '^';
}
// Where the value of a key=value pair ends. Brackets do not end it: whatever follows a secret
// without a separator is hidden with it.
bool IsValueEnd(char c) { return IsUrlEnd(c) || c == '&' || c == ';'; }

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IsCredentialName(std::string_view name) {
  static constexpr std::array<std::string_view, 16> kWords = {
      "pass",       "pwd",     "secret",  "token",     "authkey",    "auth_key",
      "apikey",     "api_key", "api-key", "accesskey", "access_key", "signature",
      "credential", "session", "cookie",  "bearer"};
  const std::string lower = LowerCopy(name);
  for (std::string_view w : kWords) {
    if (lower.find(w) != std::string::npos) return true;
  }
  return lower == "key" || lower == "sig" || lower == "auth" ||
         (lower.size() > 3 && lower.compare(lower.size() - 3, 3, "key") == 0);
}

// True for dotted names that are very likely hosts: a generic/infrastructure TLD, or a country
// TLD after at least two dots (so "rules.yaml" or "README.md" stay as they are).
bool LooksLikeFqdn(std::string_view token) {
  static constexpr std::array<std::string_view, 34> kTlds = {
      "com", "net",   "org",      "io",   "local",       "internal", "lan",    "corp",    "cloud",
      "svc", "intra", "intranet", "home", "localdomain", "arpa",     "dev",    "app",     "ai",
      "co",  "biz",   "info",     "me",   "us",          "eu",       "prod",   "private", "int",
      "edu", "gov",   "mil",      "tech", "online",      "site",     "example"};
  size_t dots = 0;
  size_t label_len = 0;
  for (char c : token) {
    if (c == '.') {
      if (label_len == 0) return false;
      ++dots;
      label_len = 0;
    } else {
      ++label_len;
    }
  }
  if (dots == 0 || label_len < 2) return false;
  const std::string_view tld = token.substr(token.size() - label_len);
  for (char c : tld) {
    if (!IsAlpha(c)) return false;
  }
  const std::string lower = LowerCopy(tld);
  for (std::string_view known : kTlds) {
    if (lower == known) return true;
  }
  return dots >= 2 && tld.size() == 2;
}

// True for file names of source code and configs ("flag.go", "main.py", "rules.yaml"): a source
// location "lib/logger/flag.go:12" is a file and a line, never a host and a port.
bool IsFileName(std::string_view token) {
  static constexpr std::array<std::string_view, 24> kExtensions = {
      "go", "c",  "cc",   "cpp", "h",    "hpp",  "py",   "js",  "ts", "rs",  "java", "rb",
      "sh", "pl", "yaml", "yml", "json", "toml", "conf", "txt", "md", "tpl", "sql",  "proto"};
  const size_t dot = token.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  const std::string ext = LowerCopy(token.substr(dot + 1));
  return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
}

// True for "777.777.X.Y", the shape every host pseudonym has.
bool IsOwnPseudonym(std::string_view host) {
  if (host.substr(0, 8) != "777.777.") return false;
  const std::string_view rest = host.substr(8);
  const size_t dot = rest.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot + 1 == rest.size()) return false;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (i != dot && !IsDigit(rest[i])) return false;
  }
  return true;
}

// True when `token` holds a pseudonym glued to other characters ("o777.777.2.2"): it was made
// by a scrub, and taking it for a host again would make scrubbing twice change the text.
bool HoldsOwnPseudonym(std::string_view token) {
  return token.find("777.777.") != std::string_view::npos;
}

// True for "redacted", "redacted@redacted"…: the login marks a scrub leaves.
bool IsOwnLoginMark(std::string_view prefix) {
  while (true) {
    if (prefix.substr(0, 8) != "redacted") return false;
    prefix.remove_prefix(8);
    if (prefix.empty()) return true;
    if (prefix.front() != '@') return false;
    prefix.remove_prefix(1);
  }
}

// One left-to-right pass over a text; every Try* appends its replacement and returns how many
// input bytes it consumed, or returns 0 and appends nothing.
class Scan {
 public:
  Scan(IpPseudonymizer& ips, ValuePseudonymizer& emails, TenantPseudonymizer& tenants, int x,
       ScrubFindings& findings)
      : ips_(ips), emails_(emails), tenants_(tenants), x_(x), f_(findings) {}

  std::string Run(std::string_view t) {
    // The recognisers, tried in this order at every position; the first that matches appends its
    // replacement and consumes its text, otherwise one byte is copied. A new kind of private
    // value is one more entry here (and one Try* member below).
    using Recogniser = size_t (Scan::*)(size_t);
    static constexpr std::array<Recogniser, 9> kRecognisers = {
        &Scan::TryOwnPseudonym,  // 777.777.X.Y: scrubbing twice changes nothing
        &Scan::TryUrl,           // scheme://[userinfo@]host[:port]
        &Scan::TryTenantPath,    // /insert/<account>:<project>/
        &Scan::TryCredential,    // password=…, authKey=…
        &Scan::TryEmailOrUserinfo,
        &Scan::TryBracketedIpv6,
        &Scan::TryIpv6,
        &Scan::TryIpv4,
        &Scan::TryHostName,  // host:port, cloud names, FQDNs (never source files)
    };
    t_ = t;
    out_.reserve(t.size() + 16);
    size_t i = 0;
    while (i < t.size()) {
      size_t m = 0;
      for (Recogniser r : kRecognisers) {
        if ((m = (this->*r)(i)) != 0) break;
      }
      if (m == 0) {
        out_ += t[i];
        m = 1;
      }
      i += m;
    }
    return std::move(out_);
  }

 private:
  char At(size_t i) const { return i < t_.size() ? t_[i] : '\0'; }
  char Prev(size_t i) const { return i == 0 ? '\0' : t_[i - 1]; }

  void AppendHost(std::string_view host) { out_ += ips_.PseudonymForHost(host, x_); }

  // Our own "777.777.X.Y" is copied as it is.
  size_t TryOwnPseudonym(size_t i) {
    if (t_[i] != '7' || IsDigit(Prev(i)) || Prev(i) == '.') return 0;
    size_t j = i;
    while (j < t_.size() && (IsDigit(t_[j]) || t_[j] == '.')) ++j;
    while (j > i && t_[j - 1] == '.') --j;
    if (!IsOwnPseudonym(t_.substr(i, j - i))) return 0;
    out_.append(t_.substr(i, j - i));
    return j - i;
  }

  // scheme://[userinfo@]host[:port] — the path and query are scanned like any other text.
  size_t TryUrl(size_t i) {
    if (!IsAlpha(t_[i]) || IsSchemeChar(Prev(i))) return 0;
    // Schemes are short words ("http", "svc+https"); no dots, so "a10.1.2.3http://" cannot hide
    // an address in what would be copied as a scheme.
    size_t j = i;
    while (j < t_.size() && j - i < 16 && IsSchemeChar(t_[j]) && t_[j] != '.') ++j;
    if (t_.substr(j, 3) != "://") return 0;
    const size_t auth_start = j + 3;
    size_t auth_end = auth_start;
    while (auth_end < t_.size()) {
      const char c = t_[auth_end];
      if (c == '/' || c == '?' || c == '#' || IsUrlEnd(c)) break;
      ++auth_end;
    }
    std::string_view authority = t_.substr(auth_start, auth_end - auth_start);
    out_.append(t_.substr(i, auth_start - i));
    const size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
      out_ += "redacted@";
      ++f_.credentials;
      authority = authority.substr(at + 1);
    }
    std::string_view host = authority;
    std::string_view rest;
    if (!authority.empty() && authority.front() == '[') {
      const size_t close = authority.find(']');
      host = authority.substr(1, close == std::string_view::npos ? close : close - 1);
      rest = close == std::string_view::npos ? std::string_view() : authority.substr(close + 1);
    } else if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      rest = authority.substr(colon);
    }
    if (IsOwnPseudonym(host)) {
      out_.append(host);  // already scrubbed (scrubbing twice changes nothing)
    } else if (!host.empty()) {
      CountHost(host);
      AppendHost(host);
    }
    // Keep a port; anything else after the host (a malformed authority) could be a secret.
    bool port = rest.size() > 1 && rest.front() == ':';
    for (size_t k = 1; port && k < rest.size(); ++k) port = IsDigit(rest[k]);
    if (port) out_.append(rest);
    return auth_end - i;
  }

  void CountHost(std::string_view host) {
    if (MatchIpv4(host) == host.size()) {
      ++f_.ipv4;
    } else if (host.find(':') != std::string_view::npos && CanonicalIpv6(host)) {
      ++f_.ipv6;
    } else {
      ++f_.host_names;
    }
  }

  // /insert/<account>[:<project>]/… (also /select/ and /delete/).
  size_t TryTenantPath(size_t i) {
    if (t_[i] != '/') return 0;
    static constexpr std::array<std::string_view, 3> kPrefixes = {"/insert/", "/select/",
                                                                  "/delete/"};
    for (std::string_view prefix : kPrefixes) {
      if (t_.substr(i, prefix.size()) != prefix) continue;
      size_t j = i + prefix.size();
      const size_t account_start = j;
      while (j < t_.size() && IsDigit(t_[j])) ++j;
      if (j == account_start) return 0;
      const std::string_view account = t_.substr(account_start, j - account_start);
      std::string_view project;
      if (At(j) == ':' && IsDigit(At(j + 1))) {
        const size_t project_start = ++j;
        while (j < t_.size() && IsDigit(t_[j])) ++j;
        project = t_.substr(project_start, j - project_start);
      }
      // The tenant is a whole path segment ("/insert/12.3" or "/insert/1host" are not tenants).
      const char next = At(j);
      if (IsHostNameChar(next) || next == '_' || next == ':') return 0;
      out_.append(prefix);
      out_ += tenants_.Account(account);
      if (!project.empty()) {
        out_ += ':';
        out_ += tenants_.Project(project);
      }
      ++f_.tenants;
      return j - i;
    }
    return 0;
  }

  // The value of password=…, authKey=…, token=… (query strings and free text). Runs at the '=':
  // the name before it was scanned like any text, so an address inside a name is replaced too.
  size_t TryCredential(size_t i) {
    if (t_[i] != '=') return 0;
    size_t k = i;
    while (k > 0 && i - k < 256 && IsNameChar(t_[k - 1])) --k;
    if (k == i || (k > 0 && IsNameChar(t_[k - 1])) || !IsCredentialName(t_.substr(k, i - k))) {
      return 0;
    }
    size_t end = i + 1;
    while (end < t_.size() && !IsValueEnd(t_[end])) ++end;
    if (end == i + 1) return 0;  // nothing to hide
    out_ += "=redacted";
    ++f_.credentials;
    return end - i;
  }

  // An "@-word" is a run of e-mail characters, ':' and '@' that holds an '@'. With a ':' before
  // its last '@' (user:password@host) or a port or [v6] after it (deploy@host:22, root@[::1]) it
  // is a login: everything up to the last '@' becomes "redacted@" and the host is left to the
  // host rules. Otherwise it is an e-mail address (a@b.com, even a@b@c), replaced as a whole, so
  // no piece of it is left to form a new address next to the pseudonym.
  size_t TryEmailOrUserinfo(size_t i) {
    if (!IsLocalChar(t_[i]) || IsLocalChar(Prev(i)) || Prev(i) == '@') return 0;
    // Words have no length limit (a cut word would leave a tail to glue onto the pseudonym);
    // a run already seen to hold no '@' is not scanned again, which keeps the pass linear.
    if (i < no_at_until_) return 0;
    size_t j = i;
    bool at = false;
    while (j < t_.size() && (IsLocalChar(t_[j]) || t_[j] == ':' || t_[j] == '@')) {
      at |= t_[j] == '@';
      ++j;
    }
    if (!at) {
      no_at_until_ = j;
      return 0;
    }
    // A trailing ':' stays: "a@b:" is a login followed by a port or an IPv6 tail ("a@d28::").
    while (j > i && (t_[j - 1] == '.' || t_[j - 1] == '-' || t_[j - 1] == '@')) --j;
    const std::string_view word = t_.substr(i, j - i);
    const size_t last_at = word.rfind('@');
    if (last_at == std::string_view::npos) return 0;
    // "a@scheme://…": the URL rule takes it from the scheme on; a pseudonym here would read as
    // a scheme itself on a second pass.
    if (t_.substr(j, 3) == "://") return 0;
    if (LowerCopy(word.substr(0, 7)) == "mailto:") return 0;  // the address follows the colon
    const std::string_view prefix = word.substr(0, last_at);
    // Scrubbing twice is a no-op: our login mark, or a pseudonym a first pass put before '@'.
    if (IsOwnLoginMark(prefix) || HoldsOwnPseudonym(prefix)) return 0;
    const std::string_view after = word.substr(last_at + 1);
    const std::string_view host = after.substr(0, after.find(':'));
    if (HoldsOwnPseudonym(after)) return 0;
    const bool host_like = std::any_of(host.begin(), host.end(), IsAlpha) ||
                           (!host.empty() && MatchIpv4(host) == host.size());
    const bool port_follows = host.size() < after.size() && host_like;
    if (prefix.find(':') != std::string_view::npos || port_follows || At(i + last_at + 1) == '[') {
      out_ += "redacted@";
      ++f_.credentials;
      return last_at + 1;
    }
    const std::string_view domain = word.substr(word.find('@') + 1);
    if (!std::any_of(domain.begin(), domain.end(), IsAlpha)) return 0;
    out_ += emails_.Pseudonym(LowerCopy(word));
    ++f_.emails;
    return word.size();
  }

  size_t TryBracketedIpv6(size_t i) {
    if (t_[i] != '[') return 0;
    const size_t close = t_.find(']', i);
    if (close == std::string_view::npos || close - i > 64) return 0;
    const std::string_view inside = t_.substr(i + 1, close - i - 1);
    if (inside.find(':') == std::string_view::npos || !CanonicalIpv6(inside)) return 0;
    AppendHost(inside);
    ++f_.ipv6;
    return close + 1 - i;
  }

  size_t TryIpv6(size_t i) {
    const char c = t_[i];
    if (!(IsHex(c) || c == ':')) return 0;
    const char prev = Prev(i);
    if (IsAlnum(prev) || prev == '_' || prev == ':' || prev == '.') return 0;
    size_t j = i;
    size_t colons = 0;
    bool hex = false;
    while (j < t_.size() && j - i < 64 && (IsHex(t_[j]) || t_[j] == ':' || t_[j] == '.')) {
      colons += t_[j] == ':';
      hex |= IsHex(t_[j]);
      ++j;
    }
    if (colons < 2 || !hex) return 0;
    while (j > i && t_[j - 1] == '.') --j;  // a sentence's full stop
    size_t end = j;
    if (At(j) == '%') {  // zone: fe80::1%eth0
      ++end;
      while (end < t_.size() && (IsNameChar(t_[end]))) ++end;
    }
    if (IsAlnum(At(end)) || At(end) == '_') return 0;  // part of a longer word
    std::string_view candidate = t_.substr(i, end - i);
    if (!CanonicalIpv6(candidate)) {
      // "::ffff:10.0.0.5:8482": an address followed by a port (whatever follows the port stays).
      candidate = t_.substr(i, j - i);
      const size_t colon = candidate.rfind(':');
      // A port has 1 to 5 digits.
      if (colon == std::string_view::npos || colon + 1 >= candidate.size() ||
          candidate.size() - colon - 1 > 5) {
        return 0;
      }
      for (size_t k = colon + 1; k < candidate.size(); ++k) {
        if (!IsDigit(candidate[k])) return 0;
      }
      candidate = candidate.substr(0, colon);
      // "::" alone (the unspecified address, no hex digit) names no host.
      if (std::count(candidate.begin(), candidate.end(), ':') < 2 ||
          std::none_of(candidate.begin(), candidate.end(), IsHex) || !CanonicalIpv6(candidate)) {
        return 0;
      }
    }
    AppendHost(candidate);
    ++f_.ipv6;
    return candidate.size();
  }

  size_t TryIpv4(size_t i) {
    if (!IsDigit(t_[i])) return 0;
    const char prev = Prev(i);
    // "1.2.3.4.5" and "12.3.4.5" inside a longer number are not addresses.
    if (IsDigit(prev) || (prev == '.' && i >= 2 && IsDigit(t_[i - 2]))) return 0;
    const size_t len = MatchIpv4(t_.substr(i));
    if (len == 0) return 0;
    AppendHost(t_.substr(i, len));
    ++f_.ipv4;
    return len;
  }

  // host:port, cloud names embedding an IP, and dotted names with a host-like TLD.
  size_t TryHostName(size_t i) {
    if (!IsAlnum(t_[i])) return 0;
    const char prev = Prev(i);
    if (IsHostNameChar(prev) || prev == '_') return 0;
    size_t j = i;
    bool letter = false;
    while (j < t_.size() && IsHostNameChar(t_[j])) {
      letter |= IsAlpha(t_[j]);
      ++j;
    }
    if (!letter) return 0;
    size_t end = j;
    while (end > i && (t_[end - 1] == '.' || t_[end - 1] == '-')) --end;
    const std::string_view token = t_.substr(i, end - i);
    if (HoldsOwnPseudonym(token) || IsFileName(token)) return 0;
    if (EmbeddedIpv4(token)) {
      AppendHost(token);
      ++f_.host_names;
      return token.size();
    }
    if (end == j && At(j) == ':' && IsDigit(At(j + 1))) {
      size_t k = j + 1;
      uint32_t port = 0;
      while (k < t_.size() && k - j <= 5 && IsDigit(t_[k])) port = port * 10 + (t_[k++] - '0');
      const char after = At(k);
      const bool port_ends =
          !(IsAlnum(after) || after == '_' || after == ':' || (after == '.' && IsAlnum(At(k + 1))));
      const bool host_like = token.find_first_of(".-") != std::string_view::npos || port >= 1024 ||
                             LowerCopy(token) == "localhost";
      if (port_ends && port >= 1 && port <= 65535 && host_like) {
        AppendHost(token);
        ++f_.host_names;
        return token.size();
      }
    }
    if (LooksLikeFqdn(token)) {
      AppendHost(token);
      ++f_.host_names;
      return token.size();
    }
    return 0;
  }

  IpPseudonymizer& ips_;
  ValuePseudonymizer& emails_;
  TenantPseudonymizer& tenants_;
  const int x_;
  ScrubFindings& f_;
  std::string_view t_;
  std::string out_;
  size_t no_at_until_ = 0;  // [.., no_at_until_) holds no '@' word start worth scanning
};

}  // namespace

TextScrubber::TextScrubber(IpPseudonymizer& ips, ValuePseudonymizer& emails,
                           TenantPseudonymizer& tenants)
    : ips_(ips), emails_(emails), tenants_(tenants) {}

std::string TextScrubber::Scrub(std::string_view text, int component_number,
                                ScrubFindings* findings) const {
  ScrubFindings local;
  std::string out =
      Scan(ips_, emails_, tenants_, component_number, findings ? *findings : local).Run(text);
  return out;
}

bool TextScrubber::MayHoldAddress(std::string_view text) {
  return text.find_first_of(".:@/=-[") != std::string_view::npos;
}

}  // namespace vmx
