// libFuzzer target for the URL normaliser (NormalizeConnection / NormalizeVmUrl). Checks what
// url_normalizer.h and connection.h promise for every input:
//   - an accepted Connection has url = scheme://host[:port][prefix] with scheme http or https,
//     full_api_url = url + api_base_path, no user:pass@ left in either, no query or fragment;
//   - normalising the normalised Connection again changes nothing (the server normalises what
//     the browser sends back, so drift would move the target between calls);
//   - a password given in the URL never shows up in anything returned: not in the URL fields,
//     notes or hints, and not in the error when the URL is rejected.
//
// Input: "<flags byte><url>\n<api_base_path>\n<tenant_id>". Flags pick which Connection field
// carries the URL (url or full_api_url), is_multitenant, an existing auth, and the length of a
// password planted in a second variant of the same URL.
//
//   make fuzz FUZZ_SECONDS=60
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "domain/connection.h"
#include "infrastructure/vm/url_normalizer.h"
#include "fuzz/printable.h"

namespace {

using vmx::fuzz::Printable;

[[noreturn]] void Fail(const char* what, const vmx::Connection& in, const std::string& detail) {
  std::fprintf(stderr,
               "url_normalizer_fuzz: %s\n  url: '%s'\n  full_api_url: '%s'\n  api_base_path: "
               "'%s'\n  tenant_id: '%s'\n  got: '%s'\n",
               what, Printable(in.url).c_str(), Printable(in.full_api_url).c_str(),
               Printable(in.api_base_path).c_str(), Printable(in.tenant_id).c_str(),
               Printable(detail).c_str());
  std::abort();
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The part between "://" and the first '/' (the URL fields have no query or fragment).
std::string_view Authority(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  url.remove_prefix(scheme + 3);
  return url.substr(0, url.find('/'));
}

std::string Describe(const vmx::Connection& c) {
  return "url=" + c.url + " base=" + c.api_base_path + " tenant=" + c.tenant_id +
         " multitenant=" + (c.is_multitenant ? "1" : "0") + " full=" + c.full_api_url +
         " auth=" + std::to_string(static_cast<int>(c.auth.type)) + " user=" + c.auth.username +
         " pass=" + c.auth.password;
}

bool SameConnection(const vmx::Connection& a, const vmx::Connection& b) {
  return a.url == b.url && a.api_base_path == b.api_base_path && a.tenant_id == b.tenant_id &&
         a.is_multitenant == b.is_multitenant && a.full_api_url == b.full_api_url &&
         a.auth.type == b.auth.type && a.auth.username == b.auth.username &&
         a.auth.password == b.auth.password;
}

void CheckAccepted(const vmx::Connection& in, const vmx::Connection& out) {
  if (!StartsWith(out.url, "http://") && !StartsWith(out.url, "https://")) {
    Fail("url does not start with http:// or https://", in, Describe(out));
  }
  if (out.full_api_url != out.url + out.api_base_path) {
    Fail("full_api_url is not url + api_base_path", in, Describe(out));
  }
  if (Authority(out.url).find('@') != std::string_view::npos) {
    Fail("credentials left in url", in, Describe(out));
  }
  if (out.full_api_url.find_first_of("?#") != std::string::npos) {
    Fail("query or fragment left in full_api_url", in, Describe(out));
  }
  for (unsigned char c : out.full_api_url) {
    if (c <= 0x20 || c == 0x7f) Fail("space or control character in full_api_url", in, Describe(out));
  }
  if (out.is_multitenant && !out.tenant_id.empty()) {
    Fail("multitenant with a tenant_id", in, Describe(out));
  }
  if (!out.api_base_path.empty() && out.api_base_path.front() != '/') {
    Fail("api_base_path does not start with '/'", in, Describe(out));
  }
  if (!out.url.empty() && out.url.back() == '/') Fail("url ends with '/'", in, Describe(out));

  // Stable: normalising again changes nothing, from either field the URL may arrive in.
  vmx::Result<vmx::Connection> again = vmx::NormalizeConnection(out);
  if (!again.ok()) Fail("normalised connection rejected", in, again.status().message());
  if (!SameConnection(*again, out)) {
    Fail("second normalisation changed the connection", in, Describe(out) + "  ->  " + Describe(*again));
  }
  vmx::Connection from_full = out;
  from_full.url.clear();
  vmx::Result<vmx::Connection> via_full = vmx::NormalizeConnection(from_full);
  if (!via_full.ok()) Fail("normalised full_api_url rejected", in, via_full.status().message());
  if (via_full->full_api_url != out.full_api_url || via_full->tenant_id != out.tenant_id ||
      via_full->is_multitenant != out.is_multitenant) {
    Fail("normalising full_api_url alone changed it", in, Describe(out) + "  ->  " + Describe(*via_full));
  }
}

// Plants "user:<marker...>@" right after the scheme (or at the start) of `url`, where it can only
// be read as credentials, and checks the marker never comes back.
void CheckPasswordNeverShown(const vmx::Connection& base, std::string_view url, size_t pad) {
  constexpr std::string_view kMarker = "Zq9x";
  for (std::string_view field : {url, std::string_view(base.api_base_path), std::string_view(base.tenant_id)}) {
    if (field.find(kMarker) != std::string_view::npos) return;
  }
  std::string_view scheme;
  const size_t sep = url.find("://");
  if (sep != std::string_view::npos && url.substr(0, sep).find_first_of("/?#@") == std::string_view::npos) {
    scheme = url.substr(0, sep + 3);
  } else if (StartsWith(url, "//")) {
    scheme = url.substr(0, 2);
  }
  const std::string password = std::string(kMarker) + std::string(pad, 'k') + "x9qZ";
  vmx::Connection in = base;
  in.url = std::string(scheme) + "user:" + password + "@" + std::string(url.substr(scheme.size()));
  in.full_api_url.clear();
  vmx::Result<vmx::Connection> out = vmx::NormalizeConnection(in);
  if (!out.ok()) {
    if (out.status().message().find(kMarker) != std::string::npos ||
        out.status().hint().find(kMarker) != std::string::npos) {
      Fail("the error shows the password", in, out.status().message() + " / " + out.status().hint());
    }
    return;
  }
  if (out->url.find(kMarker) != std::string::npos ||
      out->full_api_url.find(kMarker) != std::string::npos) {
    Fail("the password is in the normalised URL", in, Describe(*out));
  }
  if (base.auth.type == vmx::AuthType::kNone && !StartsWith(out->auth.password, password)) {
    Fail("the password was not moved to basic auth", in, Describe(*out));
  }
  vmx::Result<vmx::NormalizedVmUrl> n = vmx::NormalizeVmUrl(in.url);
  if (n.ok()) {
    for (const std::string& note : n->notes) {
      if (note.find(kMarker) != std::string::npos) Fail("a note shows the password", in, note);
    }
    if (n->hint.find(kMarker) != std::string::npos) Fail("the hint shows the password", in, n->hint);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string_view fields[3];
  for (int i = 0; i < 3; ++i) {
    const size_t nl = i < 2 ? rest.find('\n') : std::string_view::npos;
    fields[i] = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  }

  vmx::Connection in;
  ((flags & 1) != 0 ? in.full_api_url : in.url) = std::string(fields[0]);
  in.api_base_path = std::string(fields[1]);
  in.tenant_id = std::string(fields[2]);
  in.is_multitenant = (flags & 2) != 0;
  if ((flags & 4) != 0) {
    in.auth.type = vmx::AuthType::kBearer;
    in.auth.token = "token";
  }

  vmx::Result<vmx::Connection> out = vmx::NormalizeConnection(in);
  if (out.ok()) CheckAccepted(in, *out);

  // The pad length reaches past the 200 characters an error quotes of the URL.
  CheckPasswordNeverShown(in, fields[0], static_cast<size_t>(flags >> 3) * 8);
  return 0;
}
