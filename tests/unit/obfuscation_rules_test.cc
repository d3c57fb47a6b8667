// Obfuscator rules as the export stream and /api/sample see them: instance, job, custom labels,
// drop, tenants, untouched labels, the privacy report, mapping and policy.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "infrastructure/obfuscation/obfuscator.h"

namespace vmx {
namespace {

std::vector<Label> Series(std::vector<std::pair<std::string, std::string>> labels) {
  std::vector<Label> out;
  for (auto& [name, value] : labels) out.push_back({name, value});
  return out;
}

std::string Get(const std::vector<Label>& labels, const std::string& name) {
  for (const Label& l : labels) {
    if (l.name == name) return l.value;
  }
  return "<absent>";
}

bool Has(const std::vector<Label>& labels, const std::string& name) {
  return Get(labels, name) != "<absent>";
}

ObfuscationConfig Enabled() {
  ObfuscationConfig c;
  c.enabled = true;
  return c;
}

// Rewrites one series and returns it.
std::vector<Label> Rewrite(Obfuscator& o, std::vector<std::pair<std::string, std::string>> labels) {
  auto s = Series(std::move(labels));
  o.RewriteSeries(s);
  return s;
}

TEST(ObfuscationRulesTest, InstanceKeepsPortAndGroupsHostsByComponent) {
  Obfuscator o(Enabled());
  o.SetJobComponent("prod-storage", "vmstorage");
  o.SetJobComponent("prod-insert", "vminsert");
  auto up = [&](const char* job, const char* instance) {
    return Get(Rewrite(o, {{"__name__", "up"}, {"job", job}, {"instance", instance}}), "instance");
  };
  EXPECT_EQ(up("prod-storage", "10.0.0.5:8482"), "777.777.1.1:8482");
  EXPECT_EQ(up("prod-storage", "10.0.0.6:8482"), "777.777.1.2:8482");
  // One host on another port keeps its pseudonym.
  EXPECT_EQ(up("prod-storage", "10.0.0.5:8400"), "777.777.1.1:8400");
  // Another component gets its own X; a host keeps the X of its own (first) component.
  EXPECT_EQ(up("prod-insert", "10.0.0.7:8480"), "777.777.2.3:8480");
  EXPECT_EQ(up("prod-insert", "10.0.0.5:8480"), "777.777.1.1:8480");
  // Repeats are stable.
  EXPECT_EQ(up("prod-storage", "10.0.0.5:8482"), "777.777.1.1:8482");
}

TEST(ObfuscationRulesTest, HostNamesAndIpv6InInstance) {
  Obfuscator o(Enabled());
  o.SetJobComponent("s", "vmselect");
  auto inst = [&](const char* instance) {
    return Get(Rewrite(o, {{"__name__", "up"}, {"job", "s"}, {"instance", instance}}), "instance");
  };
  EXPECT_EQ(inst("vmselect-0.vmselect.monitoring.svc:8481"), "777.777.3.1:8481");
  EXPECT_EQ(inst("VMSELECT-0.vmselect.monitoring.svc:9999"), "777.777.3.1:9999");
  EXPECT_EQ(inst("[fe80::1]:8481"), "777.777.3.2:8481");
  EXPECT_EQ(inst("[FE80:0::1]:8400"), "777.777.3.2:8400");
  EXPECT_EQ(inst("2001:db8::5"), "777.777.3.3");
  EXPECT_EQ(inst("10.0.0.5:8481"), "777.777.3.4:8481");
  EXPECT_EQ(inst("::ffff:10.0.0.5"), "777.777.3.4");
  EXPECT_EQ(inst("ip-10-0-0-5.eu-west-1.compute.internal:8481"), "777.777.3.4:8481");
  // Not host[:port]: a URL keeps its shape, free text becomes one opaque host.
  EXPECT_EQ(inst("http://10.0.0.5:8481/metrics"), "http://777.777.3.4:8481/metrics");
  const std::string odd = inst("rack 7 / box 3");
  EXPECT_EQ(odd, "777.777.3.5");
}

TEST(ObfuscationRulesTest, PreserveStructureOffHidesPortAndComponent) {
  ObfuscationConfig c = Enabled();
  c.preserve_structure = false;
  Obfuscator o(c);
  o.SetJobComponent("st", "vmstorage");
  auto s = Rewrite(o, {{"__name__", "up"}, {"job", "st"}, {"instance", "10.0.0.5:8482"}});
  EXPECT_EQ(Get(s, "instance"), "777.777.0.1");
}

TEST(ObfuscationRulesTest, CloudHostNameInOtherLabelMatchesInstance) {
  Obfuscator o(Enabled());
  o.SetJobComponent("prod-storage", "vmstorage");
  auto s = Rewrite(o, {{"__name__", "vm_rows"},
                       {"job", "prod-storage"},
                       {"instance", "10.1.2.3:8482"},
                       {"node", "ip-10-1-2-3.eu-west-1.compute.internal"},
                       {"addr", "10.1.2.3:8400"}});
  EXPECT_EQ(Get(s, "instance"), "777.777.1.1:8482");
  EXPECT_EQ(Get(s, "node"), "777.777.1.1");
  EXPECT_EQ(Get(s, "addr"), "777.777.1.1:8400");
}

TEST(ObfuscationRulesTest, JobsBecomeComponentJobN) {
  Obfuscator o(Enabled());
  o.SetJobComponent("acme-storage-a", "vmstorage");
  o.SetJobComponent("acme-storage-b", "vmstorage");
  o.SetJobComponent("acme-insert", "vminsert");
  auto job = [&](const char* metric, const char* j) {
    return Get(Rewrite(o, {{"__name__", metric}, {"job", j}, {"instance", "h:1"}}), "job");
  };
  EXPECT_EQ(job("up", "acme-storage-a"), "vmstorage-job-1");
  EXPECT_EQ(job("up", "acme-storage-b"), "vmstorage-job-2");
  EXPECT_EQ(job("up", "acme-insert"), "vminsert-job-1");
  EXPECT_EQ(job("go_goroutines", "acme-storage-a"), "vmstorage-job-1");
  // Not told: the first series' metric name decides, then it sticks.
  EXPECT_EQ(job("vmagent_remotewrite_bytes_sent_total", "acme-agents"), "vmagent-job-1");
  EXPECT_EQ(job("go_goroutines", "acme-agents"), "vmagent-job-1");
  EXPECT_EQ(job("go_goroutines", "acme-misc"), "unknown-job-1");
  EXPECT_EQ(job("vmalert_alerts_firing", "acme-misc"), "unknown-job-1");
  // vm_app_version names its component in the version label.
  auto s = Rewrite(o, {{"__name__", "vm_app_version"},
                       {"job", "acme-select"},
                       {"version", "vmselect-20240101-000000-tags-v1.97.1-cluster-0-g0000000"},
                       {"instance", "10.9.9.9:8481"}});
  EXPECT_EQ(Get(s, "job"), "vmselect-job-1");
  EXPECT_EQ(Get(s, "instance"), "777.777.3.2:8481");
  // The version itself is not private and stays readable.
  EXPECT_EQ(Get(s, "version"), "vmselect-20240101-000000-tags-v1.97.1-cluster-0-g0000000");
  // Metadata and README see the same pseudonyms.
  EXPECT_EQ(o.PseudonymForJob("acme-storage-b", "vmstorage"), "vmstorage-job-2");
  EXPECT_EQ(o.PseudonymForJob("acme-agents", ""), "vmagent-job-1");
  EXPECT_EQ(o.PseudonymForJob("acme-new", "vmauth"), "vmauth-job-1");
  EXPECT_EQ(job("up", "acme-new"), "vmauth-job-1");
}

TEST(ObfuscationRulesTest, CustomLabelsAndDrops) {
  ObfuscationConfig c = Enabled();
  c.custom_labels = {"pod", "namespace"};
  c.drop_labels = {"cluster", "__name__"};
  Obfuscator o(c);
  auto a = Rewrite(o, {{"__name__", "up"},
                       {"pod", "vmstorage-0-abc"},
                       {"namespace", "prod"},
                       {"cluster", "acme-payments"}});
  auto b = Rewrite(o, {{"__name__", "up"},
                       {"pod", "vmstorage-1-def"},
                       {"namespace", "prod"},
                       {"cluster", "acme-payments"}});
  auto a2 = Rewrite(o, {{"__name__", "up"}, {"pod", "vmstorage-0-abc"}});
  EXPECT_EQ(Get(a, "pod"), "pod-1");
  EXPECT_EQ(Get(b, "pod"), "pod-2");
  EXPECT_EQ(Get(a2, "pod"), "pod-1");
  EXPECT_EQ(Get(a, "namespace"), "namespace-1");
  EXPECT_EQ(Get(b, "namespace"), "namespace-1");
  EXPECT_FALSE(Has(a, "cluster"));
  EXPECT_EQ(Get(a, "__name__"), "up");  // never dropped
  const auto report = o.PrivacyReport();
  EXPECT_EQ(report["dropped_labels"]["cluster"], 2);
  EXPECT_EQ(report["rules"]["custom_label"]["pod"], 2);
  EXPECT_EQ(report["rules"]["custom_label"]["namespace"], 1);
}

TEST(ObfuscationRulesTest, DisabledOnlyDrops) {
  ObfuscationConfig c;
  c.drop_labels = {"secret"};
  Obfuscator o(c);
  auto s = Rewrite(o, {{"__name__", "up"},
                       {"instance", "10.0.0.5:8482"},
                       {"job", "j"},
                       {"secret", "x"},
                       {"addr", "admin@acme.com"}});
  EXPECT_EQ(Get(s, "instance"), "10.0.0.5:8482");
  EXPECT_EQ(Get(s, "job"), "j");
  EXPECT_EQ(Get(s, "addr"), "admin@acme.com");
  EXPECT_FALSE(Has(s, "secret"));
  EXPECT_EQ(o.PseudonymForJob("j", "vmstorage"), "j");
}

TEST(ObfuscationRulesTest, InstanceAndJobRulesCanBeSwitchedOff) {
  ObfuscationConfig c = Enabled();
  c.obfuscate_instance = false;
  c.obfuscate_job = false;
  Obfuscator o(c);
  auto s = Rewrite(o, {{"__name__", "up"},
                       {"instance", "10.0.0.5:8482"},
                       {"job", "prod"},
                       {"addr", "10.0.0.5:8400"}});
  EXPECT_EQ(Get(s, "instance"), "10.0.0.5:8482");
  EXPECT_EQ(Get(s, "job"), "prod");
  EXPECT_EQ(Get(s, "addr"), "777.777.0.1:8400");  // the deep scrub still runs
}

TEST(ObfuscationRulesTest, DeepScrubOffLeavesOtherLabels) {
  ObfuscationConfig c = Enabled();
  c.deep_scrub = false;
  Obfuscator o(c);
  auto s = Rewrite(o, {{"__name__", "up"},
                       {"instance", "10.0.0.5:8482"},
                       {"addr", "10.0.0.5:8400"},
                       {"vm_account_id", "42"},
                       {"err", "dial 10.0.0.5:8400"}});
  EXPECT_EQ(Get(s, "instance"), "777.777.0.1:8482");
  // Addresses by place and tenants are no deep scrub: they are replaced all the same.
  EXPECT_EQ(Get(s, "addr"), "777.777.0.1:8400");
  EXPECT_EQ(Get(s, "vm_account_id"), "1");
  EXPECT_EQ(Get(s, "err"), "dial 10.0.0.5:8400");
}

TEST(ObfuscationRulesTest, TenantsInLabelsAndPaths) {
  Obfuscator o(Enabled());
  auto s = Rewrite(o, {{"__name__", "vm_tenant_active_timeseries"},
                       {"vm_account_id", "1011"},
                       {"vm_project_id", "5"}});
  auto t = Rewrite(o, {{"__name__", "vm_tenant_active_timeseries"},
                       {"vm_account_id", "0"},
                       {"vm_project_id", "0"}});
  EXPECT_EQ(Get(s, "vm_account_id"), "1");
  EXPECT_EQ(Get(s, "vm_project_id"), "1");
  EXPECT_EQ(Get(t, "vm_account_id"), "2");
  EXPECT_EQ(Get(t, "vm_project_id"), "2");
  auto u = Rewrite(o, {{"__name__", "vmagent_remotewrite_requests_total"},
                       {"url", "http://vminsert:8480/insert/1011:5/prometheus/api/v1/write"}});
  // A URL does not say which component vminsert is: the host gets X 0 unless it was told.
  EXPECT_EQ(Get(u, "url"), "http://777.777.0.1:8480/insert/1:1/prometheus/api/v1/write");
}

TEST(ObfuscationRulesTest, MetricNamesAndBucketsUntouched) {
  Obfuscator o(Enabled());
  auto s = Rewrite(o, {{"__name__", "vm_request_duration_seconds_bucket"},
                       {"le", "10.0.0.5"},
                       {"quantile", "0.99"},
                       {"vmrange", "1.000e-02...1.136e-02"},
                       {"path", "/api/v1/query_range"},
                       {"type", "indexdb/tagFiltersToMetricIDs"},
                       {"short_version", "v1.97.1"}});
  EXPECT_EQ(Get(s, "__name__"), "vm_request_duration_seconds_bucket");
  EXPECT_EQ(Get(s, "le"), "10.0.0.5");
  EXPECT_EQ(Get(s, "quantile"), "0.99");
  EXPECT_EQ(Get(s, "vmrange"), "1.000e-02...1.136e-02");
  EXPECT_EQ(Get(s, "path"), "/api/v1/query_range");
  EXPECT_EQ(Get(s, "type"), "indexdb/tagFiltersToMetricIDs");
  EXPECT_EQ(Get(s, "short_version"), "v1.97.1");
}

TEST(ObfuscationRulesTest, ReportMappingAndPolicyNeverLeakWhereTheyMustNot) {
  ObfuscationConfig c = Enabled();
  c.custom_labels = {"pod"};
  c.key = "customer-secret-key";
  Obfuscator o(c);
  o.SetJobComponent("acme-prod-storage", "vmstorage");
  for (int i = 0; i < 3; ++i) {
    Rewrite(o, {{"__name__", "vm_rows"},
                {"job", "acme-prod-storage"},
                {"instance", "10.0.0." + std::to_string(i) + ":8482"},
                {"pod", "acme-pod-" + std::to_string(i)},
                {"owner", "ops@acme.com"}});
  }
  const std::string report = o.PrivacyReport().dump();
  const std::string policy = o.Policy().dump();
  for (const char* secret : {"10.0.0.", "acme", "customer-secret-key"}) {
    EXPECT_EQ(report.find(secret), std::string::npos) << secret << " in " << report;
    EXPECT_EQ(policy.find(secret), std::string::npos) << secret << " in " << policy;
  }
  const auto r = o.PrivacyReport();
  EXPECT_EQ(r["rules"]["instance"]["instance"], 3);
  EXPECT_EQ(r["rules"]["job"]["job"], 1);
  EXPECT_EQ(r["rules"]["custom_label"]["pod"], 3);
  EXPECT_EQ(r["rules"]["identity_label"]["owner"], 1);
  EXPECT_EQ(r["learned_tokens"], 1);  // "acme" ("prod" and "storage" are generic)
  EXPECT_EQ(r["distinct_hosts"], 3);
  EXPECT_EQ(o.Policy()["stable_across_runs"], true);

  const auto m = o.Mapping();
  EXPECT_TRUE(m["hosts"].contains("10.0.0.1"));
  EXPECT_EQ(m["jobs"]["acme-prod-storage"].get<std::string>().rfind("vmstorage-job-", 0), 0u);
  EXPECT_TRUE(m["instances"].contains("10.0.0.2:8482"));
  EXPECT_TRUE(m["custom_labels"]["pod"].contains("acme-pod-0"));
  EXPECT_EQ(m["identity_labels"]["owner"]["ops@acme.com"].get<std::string>().rfind("owner-", 0),
            0u);
}

TEST(ObfuscationRulesTest, ScrubTextForSelectorsAndReadme) {
  Obfuscator o(Enabled());
  o.SetJobComponent("acme-storage", "vmstorage");
  EXPECT_EQ(o.PseudonymForJob("acme-storage", "vmstorage"), "vmstorage-job-1");
  const std::string text =
      o.ScrubText(R"({job="acme-storage", instance="10.0.0.5:8482"} from admin@acme.com)");
  EXPECT_EQ(text, R"({job="vmstorage-job-1", instance="777.777.0.1:8482"} from email-1)");
}

TEST(ObfuscationRulesTest, SameInputSameOutput) {
  ObfuscationConfig c = Enabled();
  c.custom_labels = {"pod"};
  Obfuscator o(c);
  const std::vector<std::pair<std::string, std::string>> in = {
      {"__name__", "vm_tcplistener_conns"},
      {"job", "j"},
      {"instance", "10.2.3.4:8482"},
      {"addr", "10.2.3.4:8400"},
      {"pod", "p-1"},
      {"flag", "a.internal:1,b.internal:2"}};
  const auto first = Rewrite(o, in);
  for (int i = 0; i < 5; ++i) {
    const auto again = Rewrite(o, in);
    ASSERT_EQ(again.size(), first.size());
    for (size_t k = 0; k < first.size(); ++k) EXPECT_EQ(again[k].value, first[k].value);
  }
}

}  // namespace
}  // namespace vmx
