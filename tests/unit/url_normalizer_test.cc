// NormalizeVmUrl over the URL forms users really paste (SPEC.md section 3), and the ones it
// refuses.
#include "infrastructure/vm/url_normalizer.h"

#include <gtest/gtest.h>

#include <string>

namespace vmx {
namespace {

struct Accepted {
  const char* pasted;
  const char* url;
  const char* api_base_path;
  const char* tenant_id;
  bool is_multitenant;
  const char* user = "";
  const char* password = "";
};

// clang-format off
const Accepted kAccepted[] = {
  // single node
  {"http://victoria-metrics:8428", "http://victoria-metrics:8428", "", "", false},
  {"http://victoria-metrics:8428/", "http://victoria-metrics:8428", "", "", false},
  {"http://victoria-metrics:8428/prometheus", "http://victoria-metrics:8428", "/prometheus", "", false},
  {"http://victoria-metrics:8428/prometheus///", "http://victoria-metrics:8428", "/prometheus", "", false},
  {"  http://10.0.0.5:8428  ", "http://10.0.0.5:8428", "", "", false},
  {"\thttp://localhost:8428/\n", "http://localhost:8428", "", "", false},
  {"localhost:8428", "http://localhost:8428", "", "", false},
  {"127.0.0.1:8428/prometheus", "http://127.0.0.1:8428", "/prometheus", "", false},
  {"//vm.internal:8428", "http://vm.internal:8428", "", "", false},
  {"HTTP://VM.Example.COM:8428", "http://vm.example.com:8428", "", "", false},
  {"\"http://vm:8428\"", "http://vm:8428", "", "", false},
  {"vm", "http://vm", "", "", false},
  // pasted API / UI URLs
  {"http://vm:8428/api/v1/query?query=up", "http://vm:8428", "", "", false},
  {"http://vm:8428/prometheus/api/v1/query?query=up&time=1700000000", "http://vm:8428", "/prometheus", "", false},
  {"http://vm:8428/prometheus/api/v1/query_range?query=rate(x[5m])&step=30", "http://vm:8428", "/prometheus", "", false},
  {"http://vm:8428/api/v1/export?match[]={job=\"x\"}", "http://vm:8428", "", "", false},
  {"http://vm:8428/vmui/#/?g0.expr=up", "http://vm:8428", "", "", false},
  {"http://vm:8428/vmui", "http://vm:8428", "", "", false},
  {"http://vm:8428/metrics", "http://vm:8428", "", "", false},
  {"http://vm:8428/api/v1", "http://vm:8428", "", "", false},
  // cluster vmselect
  {"http://vmselect:8481/select/0/prometheus", "http://vmselect:8481", "/select/0/prometheus", "0", false},
  {"http://vmselect:8481/select/0/prometheus/", "http://vmselect:8481", "/select/0/prometheus", "0", false},
  {"http://vmselect:8481/select/1011/prometheus", "http://vmselect:8481", "/select/1011/prometheus", "1011", false},
  {"http://vmselect:8481/select/1011:5/prometheus", "http://vmselect:8481", "/select/1011:5/prometheus", "1011:5", false},
  {"http://vmselect:8481/select/0", "http://vmselect:8481", "/select/0/prometheus", "0", false},
  {"http://vmselect:8481/select/multitenant/prometheus", "http://vmselect:8481", "/select/multitenant/prometheus", "", true},
  {"http://vmselect:8481/select/0/prometheus/api/v1/query?query=up", "http://vmselect:8481", "/select/0/prometheus", "0", false},
  {"http://vmselect:8481/select/0/vmui/", "http://vmselect:8481", "/select/0/prometheus", "0", false},
  {"vmselect.monitoring.svc.cluster.local:8481/select/42/prometheus", "http://vmselect.monitoring.svc.cluster.local:8481", "/select/42/prometheus", "42", false},
  {"http://vmselect:8481//select//0//prometheus", "http://vmselect:8481", "/select/0/prometheus", "0", false},
  // vmauth in front, with path prefixes
  {"https://vmauth.example.com", "https://vmauth.example.com", "", "", false},
  {"https://vmauth.example.com/vm/select/0/prometheus", "https://vmauth.example.com/vm", "/select/0/prometheus", "0", false},
  {"https://vmauth.example.com/team-a/prometheus", "https://vmauth.example.com/team-a", "/prometheus", "", false},
  {"https://vmauth.example.com:8427/custom/prefix", "https://vmauth.example.com:8427/custom/prefix", "", "", false},
  // managed / gateway style
  {"https://gw.example.com/1011/prometheus", "https://gw.example.com", "/1011/prometheus", "1011", false},
  {"https://gw.example.com/1011/rw/prometheus", "https://gw.example.com", "/1011/rw/prometheus", "1011", false},
  {"https://gw.example.com/1011/r/prometheus/", "https://gw.example.com", "/1011/r/prometheus", "1011", false},
  {"https://gw.example.com/1011/rw/prometheus/api/v1/query?query=up", "https://gw.example.com", "/1011/rw/prometheus", "1011", false},
  {"https://gw.example.com/eu/1011:7/prometheus", "https://gw.example.com/eu", "/1011:7/prometheus", "1011:7", false},
  // IPv6
  {"http://[::1]:8428", "http://[::1]:8428", "", "", false},
  {"[2001:db8::5]:8481/select/0/prometheus", "http://[2001:db8::5]:8481", "/select/0/prometheus", "0", false},
  {"https://[FE80::1]/prometheus", "https://[fe80::1]", "/prometheus", "", false},
  // credentials in the URL
  {"http://monitoring:s3cret@vmauth:8427", "http://vmauth:8427", "", "", false, "monitoring", "s3cret"},
  {"https://bob%40corp:p%40ss%3Aword@gw.example.com/1011/rw/prometheus", "https://gw.example.com", "/1011/rw/prometheus", "1011", false, "bob@corp", "p@ss:word"},
  {"user:pa@ss@vm:8428", "http://vm:8428", "", "", false, "user", "pa@ss"},
  {"http://onlyuser@vm:8428/prometheus", "http://vm:8428", "/prometheus", "", false, "onlyuser", ""},
};
// clang-format on

class NormalizeAccepts : public ::testing::TestWithParam<Accepted> {};

TEST_P(NormalizeAccepts, SplitsIntoParts) {
  const Accepted& a = GetParam();
  Result<NormalizedVmUrl> n = NormalizeVmUrl(a.pasted);
  ASSERT_TRUE(n.ok()) << a.pasted << ": " << n.status().ToString();
  EXPECT_EQ(n->url, a.url) << a.pasted;
  EXPECT_EQ(n->api_base_path, a.api_base_path) << a.pasted;
  EXPECT_EQ(n->tenant_id, a.tenant_id) << a.pasted;
  EXPECT_EQ(n->is_multitenant, a.is_multitenant) << a.pasted;
  EXPECT_EQ(n->full_api_url, std::string(a.url) + a.api_base_path) << a.pasted;
  EXPECT_EQ(n->username, a.user) << a.pasted;
  EXPECT_EQ(n->password, a.password) << a.pasted;
  EXPECT_EQ(n->had_credentials, a.user[0] != '\0') << a.pasted;
  // Credentials never survive in the URLs we keep.
  if (a.password[0] != '\0') {
    EXPECT_EQ(n->url.find(a.password), std::string::npos);
    EXPECT_EQ(n->full_api_url.find('@'), std::string::npos);
  }
  // Idempotent: normalising the result changes nothing.
  Result<NormalizedVmUrl> again = NormalizeVmUrl(n->full_api_url);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->full_api_url, n->full_api_url);
  EXPECT_EQ(again->tenant_id, n->tenant_id);
}

INSTANTIATE_TEST_SUITE_P(RealWorldInputs, NormalizeAccepts, ::testing::ValuesIn(kAccepted));

struct Rejected {
  const char* pasted;
  const char* message_part;
  const char* hint_part;
};

// clang-format off
const Rejected kRejected[] = {
  {"", "URL is empty", "http://"},
  {"   \t ", "URL is empty", "http://"},
  {"ftp://vm:8428", "scheme \"ftp\" is not supported", "http://"},
  {"file:///etc/passwd", "scheme \"file\" is not supported", ""},
  {"http://", "host name is missing", ""},
  {"http://:8428/prometheus", "host name is missing", ""},
  {"http://vm:port", "port \"port\" is not a number", ""},
  {"http://vm:0", "port \"0\" is not a number from 1 to 65535", ""},
  {"http://vm:70000", "port \"70000\"", ""},
  {"http://vm:", "port \"\"", ""},
  {"http://vm 01:8428", "contains a space", "remove the spaces"},
  {"http://vm:8428/my path", "contains a space", ""},
  {"http://::1:8428", "IPv6 addresses must be written in brackets", "http://[::1]:8428"},
  {"http://[::1:8428", "missing its closing ']'", ""},
  {"http://[zz]:8428", "is not an IPv6 address", ""},
  {"http://vm!:8428", "contains \"!\"", ""},
  {"http://vmselect:8481/select/prometheus", "the /select/ path has no tenant", "/select/0/prometheus"},
  {"http://vmselect:8481/select/", "the /select/ path has no tenant", "/select/0/prometheus"},
  {"http://vmselect:8481/select/abc/prometheus", "tenant \"abc\" is not an account ID", "1011:5"},
  {"http://vmselect:8481/select/1011:x/prometheus", "tenant \"1011:x\"", ""},
  {"http://vmselect:8481/select/99999999999/prometheus", "tenant \"99999999999\"", ""},
  {"http://vmselect:8481/select/0/graphite", "unexpected \"/graphite\" after the tenant", "/select/0/prometheus"},
  {"http://vminsert:8480/insert/0/prometheus", "vminsert URL", "/select/0/prometheus"},
  {"http://vm:8428/prometheus/federate2", "unexpected \"/federate2\" after /prometheus", ""},
  {"http://:@vm:8428", "credentials before '@' are empty", ""},
  {"http://vm:8428/\x01", "control character", ""},
};
// clang-format on

class NormalizeRejects : public ::testing::TestWithParam<Rejected> {};

TEST_P(NormalizeRejects, SaysWhy) {
  const Rejected& r = GetParam();
  Result<NormalizedVmUrl> n = NormalizeVmUrl(r.pasted);
  ASSERT_FALSE(n.ok()) << r.pasted << " -> " << (n.ok() ? n->full_api_url : "");
  EXPECT_EQ(n.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(n.status().message().find(r.message_part), std::string::npos)
      << r.pasted << ": " << n.status().message();
  EXPECT_NE(n.status().hint().find(r.hint_part), std::string::npos)
      << r.pasted << ": " << n.status().hint();
}

INSTANTIATE_TEST_SUITE_P(BadInputs, NormalizeRejects, ::testing::ValuesIn(kRejected));

TEST(NormalizeVmUrl, RejectionNeverEchoesThePassword) {
  Result<NormalizedVmUrl> n = NormalizeVmUrl("http://admin:TopSecret@vm:99999");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().ToString().find("TopSecret"), std::string::npos) << n.status().ToString();
}

// Fuzz findings (tests/fuzz/url_normalizer_fuzz.cc): the error quotes 200 characters of the
// URL, and used to cut before redacting, so a long password was quoted without its '@'; and it
// redacted up to the first '@' while the parser takes the last one.
TEST(NormalizeVmUrl, RejectionNeverEchoesALongPasswordOrOneWithAt) {
  const std::string long_secret = "Zq9x" + std::string(240, 'k');
  for (const std::string& pasted :
       {"http://user:" + long_secret + "@vm:8428:99999", "user:" + long_secret + "@vm:99999",
        std::string("http://user:pa@Zq9xss@vm:99999"), std::string("http://u:Zq9x@p@[zz]:8428")}) {
    Result<NormalizedVmUrl> n = NormalizeVmUrl(pasted);
    ASSERT_FALSE(n.ok()) << pasted;
    EXPECT_EQ(n.status().ToString().find("Zq9x"), std::string::npos) << n.status().ToString();
    EXPECT_NE(n.status().message().find("***@"), std::string::npos) << n.status().message();
  }
}

// Fuzz finding: cutting one API tail could expose another ("/x/api/api" -> "/x/api"), so the
// next normalisation cut again and the URL drifted between calls.
TEST(NormalizeVmUrl, CuttingTailsIsAFixedPoint) {
  for (const char* pasted : {"http://h:8428/x/api/api", "http://h:8428/x/metrics/health",
                             "http://h:8428/x/api/vmui/api"}) {
    Result<NormalizedVmUrl> n = NormalizeVmUrl(pasted);
    ASSERT_TRUE(n.ok()) << pasted << ": " << n.status().ToString();
    EXPECT_EQ(n->full_api_url, "http://h:8428/x") << pasted;
  }
}

TEST(NormalizeVmUrl, BareVmselectPortNeedsTenantHint) {
  Result<NormalizedVmUrl> n = NormalizeVmUrl("http://vmselect:8481");
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(n->needs_tenant);
  EXPECT_NE(n->hint.find("http://vmselect:8481/select/<tenant>/prometheus"), std::string::npos)
      << n->hint;
  Result<NormalizedVmUrl> single = NormalizeVmUrl("http://vm:8428");
  ASSERT_TRUE(single.ok());
  EXPECT_FALSE(single->needs_tenant);
}

TEST(NormalizeVmUrl, NotesSayWhatChanged) {
  Result<NormalizedVmUrl> n = NormalizeVmUrl("u:p@vm:8428/prometheus/api/v1/query?query=up");
  ASSERT_TRUE(n.ok());
  std::string all;
  for (const auto& note : n->notes) all += note + "\n";
  EXPECT_NE(all.find("http://"), std::string::npos) << all;
  EXPECT_NE(all.find("basic auth"), std::string::npos) << all;
  EXPECT_NE(all.find("/api/v1/query"), std::string::npos) << all;
  EXPECT_EQ(all.find(":p@"), std::string::npos) << all;
}

TEST(NormalizeConnection, MovesUrlCredentialsIntoBasicAuth) {
  Connection in;
  in.url = "https://alice:pw@gw.example.com/1011/rw/prometheus";
  Result<Connection> c = NormalizeConnection(in);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->auth.type, AuthType::kBasic);
  EXPECT_EQ(c->auth.username, "alice");
  EXPECT_EQ(c->auth.password, "pw");
  EXPECT_EQ(c->full_api_url, "https://gw.example.com/1011/rw/prometheus");
  EXPECT_EQ(c->tenant_id, "1011");
}

TEST(NormalizeConnection, ExplicitAuthWinsOverUrlCredentials) {
  Connection in;
  in.url = "http://alice:pw@vm:8428";
  in.auth.type = AuthType::kBearer;
  in.auth.token = "tok";
  Result<Connection> c = NormalizeConnection(in);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->auth.type, AuthType::kBearer);
  EXPECT_EQ(c->auth.password, "");
  EXPECT_EQ(c->full_api_url, "http://vm:8428");
}

TEST(NormalizeConnection, CombinesBareUrlWithBasePathOrTenant) {
  Connection a;
  a.url = "http://vmselect:8481";
  a.api_base_path = "/select/7/prometheus";
  Result<Connection> ca = NormalizeConnection(a);
  ASSERT_TRUE(ca.ok());
  EXPECT_EQ(ca->full_api_url, "http://vmselect:8481/select/7/prometheus");
  EXPECT_EQ(ca->tenant_id, "7");

  Connection b;
  b.url = "http://vmselect:8481/";
  b.tenant_id = "1011:5";
  Result<Connection> cb = NormalizeConnection(b);
  ASSERT_TRUE(cb.ok());
  EXPECT_EQ(cb->full_api_url, "http://vmselect:8481/select/1011:5/prometheus");

  Connection m;
  m.url = "http://vmselect:8481";
  m.is_multitenant = true;
  Result<Connection> cm = NormalizeConnection(m);
  ASSERT_TRUE(cm.ok());
  EXPECT_EQ(cm->full_api_url, "http://vmselect:8481/select/multitenant/prometheus");
  EXPECT_TRUE(cm->is_multitenant);

  Connection d;  // the URL's own tenant wins over a stale field
  d.url = "http://vmselect:8481/select/3/prometheus";
  d.tenant_id = "9";
  Result<Connection> cd = NormalizeConnection(d);
  ASSERT_TRUE(cd.ok());
  EXPECT_EQ(cd->tenant_id, "3");

  Connection e;  // only full_api_url given (a config saved by an earlier run)
  e.full_api_url = "http://vm:8428/prometheus";
  Result<Connection> ce = NormalizeConnection(e);
  ASSERT_TRUE(ce.ok());
  EXPECT_EQ(ce->full_api_url, "http://vm:8428/prometheus");

  Connection bad;
  bad.url = "http://vm:8428";
  bad.tenant_id = "abc";
  EXPECT_FALSE(NormalizeConnection(bad).ok());
}

// Fuzz finding: a normalised connection sent back (url + api_base_path + full_api_url) was split
// again from its url alone, whose path prefix may end in segments that mean something on their
// own, and the target moved ("https://gw/metrics" lost "/metrics").
TEST(NormalizeConnection, NormalisedConnectionIsStable) {
  for (const char* pasted :
       {"http://h:8428/rw/prometheus/prometheus", "https://gw.example.com/metrics/select/0/prometheus",
        "https://gw.example.com/prometheus/team/select/1011:5/prometheus",
        "http://h/1011:5/prometheus/api/x/select/1011:5/prometheus"}) {
    Connection in;
    in.url = pasted;
    Result<Connection> once = NormalizeConnection(in);
    ASSERT_TRUE(once.ok()) << pasted << ": " << once.status().ToString();
    EXPECT_EQ(once->full_api_url, pasted);
    Result<Connection> twice = NormalizeConnection(*once);
    ASSERT_TRUE(twice.ok()) << pasted << ": " << twice.status().ToString();
    EXPECT_EQ(twice->url, once->url) << pasted;
    EXPECT_EQ(twice->api_base_path, once->api_base_path) << pasted;
    EXPECT_EQ(twice->full_api_url, once->full_api_url) << pasted;
    EXPECT_EQ(twice->tenant_id, once->tenant_id) << pasted;
  }
}

TEST(ExportFallbackApiUrl, DropsRwOnly) {
  Connection c;
  c.url = "https://gw.example.com";
  c.api_base_path = "/1011/rw/prometheus";
  EXPECT_EQ(ExportFallbackApiUrl(c).value_or(""), "https://gw.example.com/1011/prometheus");
  c.api_base_path = "/1011/r/prometheus";
  EXPECT_FALSE(ExportFallbackApiUrl(c).has_value());
  c.api_base_path = "/select/0/prometheus";
  EXPECT_FALSE(ExportFallbackApiUrl(c).has_value());
}

}  // namespace
}  // namespace vmx
