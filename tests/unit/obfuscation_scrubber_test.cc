// The deep scrub: addresses, URLs, credentials and e-mails hidden in any label value, plus a
// property test over random values with embedded addresses.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "infrastructure/obfuscation/text_scrubber.h"
#include "support/address_oracle.h"

namespace vmx {
namespace {

class ScrubberTest : public ::testing::Test {
 protected:
  std::string Scrub(std::string_view text, int x = 0, ScrubFindings* f = nullptr) {
    return scrubber_.Scrub(text, x, f);
  }

  IpPseudonymizer ips_{""};
  ValuePseudonymizer emails_{"", "email"};
  TenantPseudonymizer tenants_{""};
  TextScrubber scrubber_{ips_, emails_, tenants_};
};

TEST_F(ScrubberTest, AddressesWithPortsAndLists) {
  EXPECT_EQ(Scrub("10.1.2.3:8400"), "777.777.0.1:8400");
  // A host keeps the X it was first given (10.1.2.3: 0 above); new hosts take this place's X.
  EXPECT_EQ(Scrub("-storageNode=10.1.2.3:8400,10.1.2.4:8400,vmstorage-2.vmstorage:8400", 2),
            "-storageNode=777.777.0.1:8400,777.777.2.2:8400,777.777.2.3:8400");
  EXPECT_EQ(Scrub("10.1.2.3,10.1.2.4"), "777.777.0.1,777.777.2.2");
  EXPECT_EQ(Scrub("dial tcp 10.1.2.3:8400: i/o timeout"), "dial tcp 777.777.0.1:8400: i/o timeout");
  EXPECT_EQ(Scrub("host10.1.2.3"), "host777.777.0.1");
  EXPECT_EQ(Scrub("localhost:8428"), "777.777.0.4:8428");
}

TEST_F(ScrubberTest, Ipv6Forms) {
  EXPECT_EQ(Scrub("[2001:db8::1]:8482"), "777.777.0.1:8482");
  EXPECT_EQ(Scrub("2001:DB8:0::1"), "777.777.0.1");
  EXPECT_EQ(Scrub("fe80::1%eth0 up"), "777.777.0.2 up");
  EXPECT_EQ(Scrub("::ffff:10.9.8.7:80"), "777.777.0.3:80");
  EXPECT_EQ(Scrub("10.9.8.7"), "777.777.0.3");
  EXPECT_EQ(Scrub("a,::1,b"), "a,777.777.0.4,b");
  // Found by the fuzzer: an address, a port and a stray zone mark.
  EXPECT_EQ(Scrub("01:db0:::1%]"), "777.777.0.5:1%]");
}

TEST_F(ScrubberTest, UrlsLoseHostsAndCredentials) {
  ScrubFindings f;
  EXPECT_EQ(
      Scrub("http://user:pa55@10.0.0.5:8428/api/v1/write?authKey=s3cr3t&extra_label=a", 0, &f),
      "http://redacted@777.777.0.1:8428/api/v1/write?authKey=redacted&extra_label=a");
  EXPECT_EQ(f.credentials, 2u);
  EXPECT_EQ(f.ipv4, 1u);
  EXPECT_EQ(Scrub("https://prometheus.acme.corp/select/1011:5/prometheus?token=abc#x"),
            "https://777.777.0.2/select/1:1/prometheus?token=redacted");
  EXPECT_EQ(Scrub("https://[2001:db8::9]:443/x"), "https://777.777.0.3:443/x");
  EXPECT_EQ(Scrub("https://grafana/probe?target=10.0.0.5:9100"),
            "https://777.777.0.4/probe?target=777.777.0.1:9100");
  EXPECT_EQ(Scrub("a.example.com,http://b.example.com:1"), "777.777.0.5,http://777.777.0.6:1");
  // Found by the fuzzer: an address glued to a scheme was copied as part of the scheme.
  EXPECT_EQ(Scrub("b8.1.2.3http://x"), "b777.777.0.7http://x");
}

TEST_F(ScrubberTest, CredentialsInText) {
  EXPECT_EQ(Scrub("password=hunter2 user=bob"), "password=redacted user=bob");
  EXPECT_EQ(Scrub("-httpAuth.password=x1;-remoteWrite.bearerToken=y2"),
            "-httpAuth.password=redacted;-remoteWrite.bearerToken=redacted");
  EXPECT_EQ(Scrub("user:secret@db.internal:5432"), "redacted@777.777.0.1:5432");
  // Found by the fuzzer: an address inside the name of a secret was copied with the name.
  EXPECT_EQ(Scrub("x0.1.2.3.authKey=y"), "x777.777.0.2.authKey=redacted");
}

TEST_F(ScrubberTest, Emails) {
  ScrubFindings f;
  EXPECT_EQ(Scrub("send to Admin@Acme.com, ops.team+alerts@acme.co.uk.", 0, &f),
            "send to email-1, email-2.");
  EXPECT_EQ(f.emails, 2u);
  EXPECT_EQ(Scrub("admin@acme.com"), "email-1");
  EXPECT_EQ(Scrub("mailto:root@mail.acme.de"), "mailto:email-3");
  EXPECT_EQ(Scrub("root@fe80::1"), "redacted@777.777.0.1");
  EXPECT_EQ(Scrub("deploy@build-7.acme.io:22"), "redacted@777.777.0.2:22");
}

TEST_F(ScrubberTest, CloudNamesShareTheIpPseudonym) {
  EXPECT_EQ(Scrub("10.1.2.3"), "777.777.0.1");
  EXPECT_EQ(Scrub("ip-10-1-2-3.eu-west-1.compute.internal"), "777.777.0.1");
  EXPECT_EQ(Scrub("node=ip-10-1-2-3"), "node=777.777.0.1");
  EXPECT_EQ(Scrub("10-1-2-3.monitoring.pod.cluster.local"), "777.777.0.1");
  EXPECT_EQ(Scrub("db.prod.acme.de"), "777.777.0.2");
}

TEST_F(ScrubberTest, LeavesOrdinaryValuesAlone) {
  for (const char* v : {"monitoring-prod",
                        "/tmp/vmcap/d",
                        "vmstorage-20240101-000000-tags-v1.97.1-cluster-0-g0000000",
                        "v1.97.1",
                        "go1.21.5",
                        "1.2.3.4.5",
                        "rules.yaml",
                        "README.md",
                        "std::string",
                        "12:30:45",
                        "2024-01-01T10:30:00Z",
                        "http:80",
                        "indexdb/tagFiltersToMetricIDs",
                        "1m0s",
                        "0.99",
                        "/select/multitenant/prometheus",
                        "1.000e-02...1.136e-02",
                        "a:b:c",
                        "00:1a:2b:3c:4d:5e",
                        "777.777.3.4:8482",
                        "email-1",
                        "pass=",
                        "key",
                        "::",
                        "VictoriaMetrics/lib/logger/flag.go:12",
                        "app/main.py:1234",
                        "flag.go:12"}) {
    EXPECT_EQ(Scrub(v), v);
  }
}

TEST_F(ScrubberTest, TenantPaths) {
  EXPECT_EQ(Scrub("/insert/42/prometheus/api/v1/write"), "/insert/1/prometheus/api/v1/write");
  EXPECT_EQ(Scrub("/select/7:3/prometheus"), "/select/2:1/prometheus");
  EXPECT_EQ(Scrub("/delete/42/prometheus"), "/delete/1/prometheus");
  // Found by the fuzzer: a host name after /insert/ is not a tenant, nor is its pseudonym.
  EXPECT_EQ(Scrub("/insert/1011ompute.internal"), "/insert/777.777.0.1");
  EXPECT_EQ(Scrub("/insert/777.777.0.1"), "/insert/777.777.0.1");
}

// ---- property test -------------------------------------------------------------------------

// An address embedded into a random value, and the strings that must not survive the scrub.
struct Embedded {
  std::string text;
  std::vector<std::string> secrets;
};

class Generator {
 public:
  explicit Generator(uint32_t seed) : rnd_(seed) {}

  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rnd_); }
  bool Coin() { return Int(0, 1) == 1; }

  std::string Word(const std::string& alphabet, int lo, int hi) {
    std::string out;
    for (int n = Int(lo, hi); n > 0; --n) out += alphabet[Int(0, alphabet.size() - 1)];
    return out;
  }
  std::string Name() { return Word("ghijklmnopqrstuvwxyz", 6, 10); }  // unique enough to search for

  std::string Ipv4() {
    return std::to_string(Int(1, 254)) + "." + std::to_string(Int(0, 255)) + "." +
           std::to_string(Int(0, 255)) + "." + std::to_string(Int(1, 254));
  }

  std::string Ipv6() {
    in6_addr a{};
    a.s6_addr[0] = 0x20;
    a.s6_addr[1] = 0x01;
    for (int i = 2; i < 16; ++i)
      a.s6_addr[i] = static_cast<uint8_t>(Int(0, 3) == 0 ? 0 : Int(0, 255));
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &a, buf, sizeof(buf));
    std::string s = buf;
    if (Coin()) {
      for (char& c : s) c = static_cast<char>(toupper(c));
    }
    return s;
  }

  Embedded Next() {
    switch (Int(0, 8)) {
      case 0: {
        const std::string ip = Ipv4();
        return {Coin() ? ip + ":" + std::to_string(Int(1, 65535)) : ip, {ip}};
      }
      case 1: {
        const std::string ip = Ipv6();
        return {Coin() ? "[" + ip + "]:" + std::to_string(Int(1, 65535)) : ip, {ip}};
      }
      case 2: {
        const std::string user = Name(), domain = Name();
        const std::string email = user + "." + Name() + "@" + domain + ".com";
        return {email, {user, domain}};
      }
      case 3: {
        const std::string user = Name(), pass = Name(), token = Name(), host = Name();
        const bool ip_host = Coin();
        const std::string ip = Ipv4();
        std::string url = std::string(Coin() ? "https" : "http") + "://" + user + ":" + pass + "@" +
                          (ip_host ? ip : host + ".acme.io") + ":" + std::to_string(Int(1, 65535)) +
                          "/api/v1/write?authKey=" + token + "&x=1";
        return {url, {user, pass, token, ip_host ? ip : host}};
      }
      case 4: {
        const int a = Int(1, 254), b = Int(0, 255), c = Int(0, 255), d = Int(1, 254);
        const std::string dashed = std::to_string(a) + "-" + std::to_string(b) + "-" +
                                   std::to_string(c) + "-" + std::to_string(d);
        const std::string dotted = std::to_string(a) + "." + std::to_string(b) + "." +
                                   std::to_string(c) + "." + std::to_string(d);
        return {"ip-" + dashed + ".eu-west-1.compute.internal", {dashed, dotted}};
      }
      case 5: {
        const std::string host = Name();
        return {host + "-0." + Name() + ":" + std::to_string(Int(1, 65535)), {host}};
      }
      case 6: {
        const std::string host = Name();
        return {host + ".db.acme.de", {host}};
      }
      case 7: {
        const std::string secret = Name();
        return {"password=" + secret, {secret}};
      }
      default: {
        Embedded list;
        for (int n = Int(2, 4); n > 0; --n) {
          const std::string ip = Ipv4();
          list.text += (list.text.empty() ? "" : ",") + ip + ":8400";
          list.secrets.push_back(ip);
        }
        return list;
      }
    }
  }

  // Filler with digits, dots and colons, so that it can form addresses of its own too.
  std::string Filler() { return Word("ghijklmnopqrstuvwxyz0123456789.:-_/", 0, 12); }
  std::string Delimiter() {
    static const std::string kDelims = " ,;\"()|\t";
    return std::string(1, kDelims[Int(0, kDelims.size() - 1)]);
  }

 private:
  std::mt19937 rnd_;
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(c));
  return s;
}

TEST(AddressOracleTest, FindsWhatLooksLikeAnAddress) {
  EXPECT_EQ(testing::SurvivingIpv4("x 10.0.0.5:80"), "10.0.0.5");
  EXPECT_EQ(testing::SurvivingIpv4("a10.0.0.5"), "10.0.0.5");
  EXPECT_EQ(testing::SurvivingIpv4("1.2.3.4.5 777.777.1.2 v1.97.1"), "");
  EXPECT_EQ(testing::SurvivingIpv6("at [fe80::1]:80"), "fe80::1");
  EXPECT_EQ(testing::SurvivingIpv6("::ffff:1.2.3.4:80"), "::ffff:1.2.3.4");
  EXPECT_EQ(testing::SurvivingIpv6("std::string 12:30:45 dead::beefy"), "");
}

TEST_F(ScrubberTest, PropertyNoEmbeddedAddressSurvives) {
  Generator gen(20261124);
  for (int round = 0; round < 5000; ++round) {
    std::string value;
    std::vector<std::string> secrets;
    for (int n = gen.Int(1, 4); n > 0; --n) {
      value += gen.Filler() + gen.Delimiter();
      Embedded e = gen.Next();
      value += e.text;
      for (auto& s : e.secrets) secrets.push_back(s);
      value += gen.Delimiter();
    }
    value += gen.Filler();
    const std::string out = Scrub(value, gen.Int(0, 9));
    const std::string lower_out = Lower(out);
    for (const std::string& secret : secrets) {
      ASSERT_EQ(lower_out.find(Lower(secret)), std::string::npos)
          << "'" << secret << "' survived in '" << out << "' (input '" << value << "')";
    }
    ASSERT_EQ(testing::SurvivingIpv4(out), "")
        << "an IPv4 address survived in '" << out << "' (input '" << value << "')";
    ASSERT_EQ(testing::SurvivingIpv6(out), "")
        << "an IPv6 address survived in '" << out << "' (input '" << value << "')";
    // Scrubbing is idempotent: pseudonyms never look like addresses themselves.
    ASSERT_EQ(Scrub(out), out) << "input '" << value << "'";
  }
}

}  // namespace
}  // namespace vmx
