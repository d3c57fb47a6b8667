// Address syntax and component classification: the pure functions the rules build on.
#include <gtest/gtest.h>

#include "infrastructure/obfuscation/address_syntax.h"
#include "infrastructure/obfuscation/component_classifier.h"

namespace vmx {
namespace {

TEST(AddressSyntaxTest, MatchesDottedQuadsOnly) {
  EXPECT_EQ(MatchIpv4("10.0.0.5"), 8u);
  EXPECT_EQ(MatchIpv4("10.0.0.5:8482"), 8u);
  EXPECT_EQ(MatchIpv4("255.255.255.255,"), 15u);
  EXPECT_EQ(MatchIpv4("256.0.0.1"), 0u);
  EXPECT_EQ(MatchIpv4("1.2.3"), 0u);
  EXPECT_EQ(MatchIpv4("1.2.3.4.5"), 0u);  // a version or OID
  EXPECT_EQ(MatchIpv4("1.2.3.4567"), 0u);
  EXPECT_EQ(MatchIpv4("777.777.1.2"), 0u);  // our own pseudonyms are not addresses
}

TEST(AddressSyntaxTest, CanonicalFormsShareOneHost) {
  EXPECT_EQ(CanonicalIpv4("010.000.0.05"), "10.0.0.5");
  EXPECT_EQ(CanonicalHost("10.0.0.5"), "10.0.0.5");
  EXPECT_EQ(CanonicalHost("::ffff:10.0.0.5"), "10.0.0.5");
  EXPECT_EQ(CanonicalHost("FE80:0:0::1"), "fe80::1");
  EXPECT_EQ(CanonicalHost("fe80::1%eth0"), "fe80::1");
  EXPECT_EQ(CanonicalHost("ip-10-0-0-5.eu-west-1.compute.internal"), "10.0.0.5");
  EXPECT_EQ(CanonicalHost("ec2-54-1-2-3.compute-1.amazonaws.com"), "54.1.2.3");
  EXPECT_EQ(CanonicalHost("VMStorage-0.Example.COM."), "vmstorage-0.example.com");
  EXPECT_FALSE(CanonicalIpv6("10:30:00").has_value());
  EXPECT_FALSE(EmbeddedIpv4("vmstorage-2024-01-01").has_value());
}

TEST(AddressSyntaxTest, SplitsInstanceShapes) {
  auto hp = SplitHostPort("10.0.0.5:8482");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "10.0.0.5");
  EXPECT_EQ(hp->port, "8482");
  hp = SplitHostPort("[fe80::1]:8400");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "fe80::1");
  EXPECT_EQ(hp->port, "8400");
  hp = SplitHostPort("2001:db8::7");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "2001:db8::7");
  EXPECT_EQ(hp->port, "");
  hp = SplitHostPort("vmselect-0.vmselect.svc");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->port, "");
  EXPECT_FALSE(SplitHostPort("http://10.0.0.5:8428/metrics"));
  EXPECT_FALSE(SplitHostPort("my server"));
  EXPECT_FALSE(SplitHostPort("host:port"));
}

TEST(ComponentClassifierTest, MetricPrefixes) {
  EXPECT_EQ(ComponentFromMetricName("vm_rpc_rows_sent_total"), "vminsert");
  EXPECT_EQ(ComponentFromMetricName("vm_vminsert_conns"), "vmstorage");
  EXPECT_EQ(ComponentFromMetricName("vmagent_remotewrite_bytes_sent_total"), "vmagent");
  EXPECT_EQ(ComponentFromMetricName("vm_promscrape_targets"), "vmagent");
  EXPECT_EQ(ComponentFromMetricName("vmalert_alerts_firing"), "vmalert");
  EXPECT_EQ(ComponentFromMetricName("vmauth_user_requests_total"), "vmauth");
  EXPECT_EQ(ComponentFromMetricName("go_goroutines"), "");
  EXPECT_EQ(ComponentFromMetricName("flag"), "");
  EXPECT_EQ(ComponentFromMetricName("vm_cache_entries"), "");
}

TEST(ComponentClassifierTest, VersionsAndNames) {
  EXPECT_EQ(ComponentFromVersion("vmstorage-20240101-000000-tags-v1.97.1-cluster-0-g0000000"),
            "vmstorage");
  EXPECT_EQ(ComponentFromVersion("victoria-metrics-20240101-000000-tags-v1.97.1-0-g0"), "vmsingle");
  EXPECT_EQ(ComponentFromVersion("vmagent-20240101-000000-tags-v1.97.1-0-g0"), "vmagent");
  EXPECT_EQ(ComponentFromVersion(""), "");
  EXPECT_EQ(ComponentFromVersion("vmstoragex-1"), "");
  EXPECT_EQ(NormalizeComponent("VMStorage"), "vmstorage");
  EXPECT_EQ(NormalizeComponent("victoria-metrics"), "vmsingle");
  EXPECT_EQ(NormalizeComponent("vlstorage"), "vlstorage");
  EXPECT_EQ(NormalizeComponent("prod cluster"), "unknown");
  EXPECT_EQ(NormalizeComponent(""), "unknown");
  EXPECT_EQ(ComponentNumber("vmstorage"), 1);
  EXPECT_EQ(ComponentNumber("vminsert"), 2);
  EXPECT_EQ(ComponentNumber("vmselect"), 3);
  EXPECT_EQ(ComponentNumber("unknown"), 0);
  EXPECT_EQ(ComponentNumber("vlstorage"), 0);
}

}  // namespace
}  // namespace vmx
