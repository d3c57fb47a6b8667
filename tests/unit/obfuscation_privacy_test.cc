// Privacy by default (issue 14): identity labels, tenants, addresses by place, secret flags,
// learned customer words, one pseudonym per host, short keyed pseudonyms - and nothing support
// needs is touched.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "infrastructure/obfuscation/obfuscator.h"

namespace vmx {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::vector<Label> Rewrite(Obfuscator& o, const Pairs& labels) {
  std::vector<Label> s;
  for (const auto& [name, value] : labels) s.push_back({name, value});
  o.RewriteSeries(s);
  return s;
}

std::string Get(const std::vector<Label>& labels, const std::string& name) {
  for (const Label& l : labels) {
    if (l.name == name) return l.value;
  }
  return "<absent>";
}

ObfuscationConfig Defaults() {
  ObfuscationConfig c;
  c.enabled = true;
  return c;
}

TEST(PrivacyByDefaultTest, IdentityLabelsGetLabelPseudonymsTenantsStayNumbers) {
  Obfuscator o(Defaults());
  const auto s = Rewrite(o, {{"__name__", "vm_tenant_inserted_rows_total"},
                             {"job", "vmstorage"},
                             {"instance", "10.0.0.5:8482"},
                             {"cluster", "acme-payments-eu"},
                             {"namespace", "acme-monitoring"},
                             {"pod", "vmstorage-acme-0"},
                             {"node", "gke-acme-payments-default-pool-3f2a1b9c-x7kq"},
                             {"accountID", "1011"},
                             {"projectID", "7"}});
  EXPECT_EQ(Get(s, "cluster"), "cluster-1");
  EXPECT_EQ(Get(s, "namespace"), "namespace-1");
  EXPECT_EQ(Get(s, "pod"), "pod-1");
  EXPECT_EQ(Get(s, "node"), "node-1");
  EXPECT_EQ(Get(s, "accountID"), "1");
  EXPECT_EQ(Get(s, "projectID"), "1");
  const auto u =
      Rewrite(o, {{"__name__", "vmauth_user_requests_total"}, {"username", "acme-billing"}});
  EXPECT_EQ(Get(u, "username"), "username-1");
  const auto report = o.PrivacyReport();
  EXPECT_EQ(report["rules"]["identity_label"]["cluster"], 1);
  EXPECT_EQ(report["rules"]["tenant"]["accountID"], 1);
  EXPECT_EQ(report.dump().find("acme"), std::string::npos);
}

TEST(PrivacyByDefaultTest, KeepLabelsOptsOut) {
  ObfuscationConfig c = Defaults();
  c.keep_labels = {"namespace"};
  Obfuscator o(c);
  const auto s = Rewrite(o, {{"__name__", "up"}, {"namespace", "monitoring"}, {"cluster", "acme"}});
  EXPECT_EQ(Get(s, "namespace"), "monitoring");
  EXPECT_EQ(Get(s, "cluster"), "cluster-1");
  const nlohmann::json policy = o.Policy();  // the loop must not outlive it
  for (const auto& l : policy["identity_labels"]) EXPECT_NE(l["label"], "namespace");
}

TEST(PrivacyByDefaultTest, SupportLabelsStayByteForByte) {
  Obfuscator o(Defaults());
  const Pairs in = {{"__name__", "vm_log_messages_total"},
                    {"location", "VictoriaMetrics/lib/logger/flag.go:12"},
                    {"level", "info"},
                    {"version", "vmstorage-20240101-000000-tags-v1.97.1-cluster-0-g0000000"},
                    {"short_version", "v1.97.1"},
                    {"type", "indexdb/tagFiltersToMetricIDs"},
                    {"path", "/insert/{}/prometheus/api/v1/write"},
                    {"reason", "too_many_series"},
                    {"action", "drop"},
                    {"is_set", "true"},
                    {"alertname", "DiskRunsOutOfSpace"},
                    {"le", "10.0.0.5"},
                    {"vmrange", "1.000e-02...1.136e-02"},
                    {"quantile", "0.99"}};
  const auto s = Rewrite(o, in);
  for (const auto& [name, value] : in) EXPECT_EQ(Get(s, name), value) << name;
  // Source locations in free text are files and lines, never hosts and ports.
  const auto t = Rewrite(
      o, {{"__name__", "vm_errors"}, {"msg", "see lib/logger/flag.go:12 and app/main.py:7"}});
  EXPECT_EQ(Get(t, "msg"), "see lib/logger/flag.go:12 and app/main.py:7");
  // Flag names, and values of ordinary flags.
  const auto f = Rewrite(
      o, {{"__name__", "flag"}, {"name", "retentionPeriod"}, {"value", "12"}, {"is_set", "true"}});
  EXPECT_EQ(Get(f, "name"), "retentionPeriod");
  EXPECT_EQ(Get(f, "value"), "12");
}

TEST(PrivacyByDefaultTest, SecretFlagsBecomeSecret) {
  Obfuscator o(Defaults());
  auto flag = [&](const char* name, const char* value) {
    return Get(
        Rewrite(o, {{"__name__", "flag"}, {"name", name}, {"value", value}, {"is_set", "true"}}),
        "value");
  };
  EXPECT_EQ(flag("httpAuth.password", "hunter2-acme"), "secret");
  EXPECT_EQ(flag("s3.secretAccessKey", "AKIAACME"), "secret");
  EXPECT_EQ(flag("search.resetCacheAuthKey", "k3y"), "secret");
  EXPECT_EQ(flag("httpAuth.password", "secret"), "secret");  // masked by VictoriaMetrics already
  EXPECT_EQ(o.PrivacyReport()["rules"]["secret_flag"]["value"], 3);
}

TEST(PrivacyByDefaultTest, OneHostOnePseudonymInEveryPlace) {
  Obfuscator o(Defaults());
  o.SetJobComponent("acme-storage", "vmstorage");
  o.SetJobComponent("acme-insert", "vminsert");
  o.SetJobComponent("acme-select", "vmselect");
  o.SetJobComponent("acme-agent", "vmagent");
  // The vmstorage host is first seen in a vminsert series' addr: its place says vmstorage.
  const auto rpc = Rewrite(o, {{"__name__", "vm_rpc_rows_sent_total"},
                               {"job", "acme-insert"},
                               {"instance", "vminsert-0:8480"},
                               {"addr", "vmstorage-0:8400"}});
  const std::string storage = Get(rpc, "addr").substr(0, Get(rpc, "addr").find(':'));
  EXPECT_EQ(storage.rfind("777.777.1.", 0), 0u) << storage;
  EXPECT_EQ(Get(rpc, "instance").rfind("777.777.2.", 0), 0u);
  // The same host as vmstorage's own instance, in vmselect's -storageNode (short names without
  // port or domain too), in a vmselect addr, and inside a URL.
  const auto inst = Rewrite(
      o, {{"__name__", "vm_rows"}, {"job", "acme-storage"}, {"instance", "vmstorage-0:8482"}});
  EXPECT_EQ(Get(inst, "instance"), storage + ":8482");
  const auto flag = Rewrite(o, {{"__name__", "flag"},
                                {"job", "acme-select"},
                                {"instance", "vmselect-0:8481"},
                                {"name", "storageNode"},
                                {"value", "vmstorage-0:8401,vmstorage-1"},
                                {"is_set", "true"}});
  const std::string nodes = Get(flag, "value");
  EXPECT_EQ(nodes.substr(0, nodes.find(',')), storage + ":8401");
  EXPECT_EQ(nodes.substr(nodes.find(',') + 1).rfind("777.777.1.", 0), 0u) << nodes;
  const auto dial = Rewrite(o, {{"__name__", "vm_tcpdialer_dials_total"},
                                {"job", "acme-select"},
                                {"instance", "vmselect-0:8481"},
                                {"addr", "vmstorage-0:8401"}});
  EXPECT_EQ(Get(dial, "addr"), storage + ":8401");
  const auto url = Rewrite(o, {{"__name__", "vmagent_remotewrite_requests_total"},
                               {"job", "acme-agent"},
                               {"instance", "vmagent-0:8429"},
                               {"url", "http://vminsert-0:8480/insert/0/prometheus"}});
  const std::string insert = Get(rpc, "instance").substr(0, Get(rpc, "instance").find(':'));
  EXPECT_EQ(Get(url, "url"), "http://" + insert + ":8480/insert/1/prometheus");
  // Every host has exactly one pseudonym in the mapping.
  const nlohmann::json mapping = o.Mapping();  // the loop must not outlive it
  for (const auto& [host, pseudonyms] : mapping["hosts"].items())
    EXPECT_EQ(pseudonyms.size(), 1u) << host;
}

// Flags whose names end like an address place (-remoteWrite.showURL, -…PerURL) but hold a
// boolean, a number or a duration keep it: "false" is no host, and must not become one (the
// leak guard would then find "false" all over the bundle and fail the export).
TEST(PrivacyByDefaultTest, SettingsInAddressPlacesAreNotHosts) {
  Obfuscator o(Defaults());
  const std::vector<std::pair<std::string, std::string>> settings = {
      {"remoteWrite.showURL", "false"},     {"remoteWrite.maxDiskUsagePerURL", "0"},
      {"promscrape.dropOriginalHost", "TRUE"}, {"remoteWrite.flushIntervalPerURL", "1s,30s"},
      {"search.maxQueueDurationPerNode", "10s"}, {"storage.maxBytesPerNode", "32MiB"}};
  for (const auto& [name, value] : settings) {
    const auto s = Rewrite(o, {{"__name__", "flag"}, {"name", name}, {"value", value}});
    EXPECT_EQ(Get(s, "value"), value) << name;
  }
  EXPECT_EQ(o.Mapping().value("hosts", nlohmann::json::object()).size(), 0u) << o.Mapping().dump();
  // An address in the same place still is one.
  const auto s = Rewrite(o, {{"__name__", "flag"}, {"name", "storageNode"}, {"value", "10.0.0.5:8400,db-1"}});
  EXPECT_EQ(Get(s, "value").find("10.0.0.5"), std::string::npos) << Get(s, "value");
  EXPECT_EQ(Get(s, "value").find("db-1"), std::string::npos) << Get(s, "value");
}

TEST(PrivacyByDefaultTest, TeachingInstancesFixesTheirComponentBeforeFirstSight) {
  Obfuscator o(Defaults());
  o.SetInstanceComponent("10.0.0.9:8480", "vminsert");
  const auto s = Rewrite(o, {{"__name__", "vmagent_remotewrite_requests_total"},
                             {"url", "http://10.0.0.9:8480/insert/0/prometheus"}});
  EXPECT_EQ(Get(s, "url").rfind("http://777.777.2.", 0), 0u) << Get(s, "url");
}

TEST(PrivacyByDefaultTest, LearnedWordsAreReplacedElsewhere) {
  Obfuscator o(Defaults());
  o.SetJobComponent("acme-payments-vmalert", "vmalert");
  o.LearnValue("cluster", "globex-eu");
  o.LearnValue("namespace", "monitoring");  // generic: nothing learned
  const auto s = Rewrite(o, {{"__name__", "vmalert_alerts_firing"},
                             {"job", "acme-payments-vmalert"},
                             {"group", "acme-payments-slo"},
                             {"file", "/etc/globex/rules/acme_payments.yaml"},
                             {"alertname", "AcmePaymentsDown"}});
  EXPECT_EQ(Get(s, "job"), "vmalert-job-1");
  EXPECT_EQ(Get(s, "group"), "vmalert-job-1-slo");
  EXPECT_EQ(Get(s, "file"), "/etc/cluster-1/rules/vmalert-job-1_vmalert-job-1.yaml");
  EXPECT_EQ(Get(s, "alertname"), "AcmePaymentsDown");  // support label: unchanged
  EXPECT_EQ(o.PrivacyReport()["learned_tokens"], 4);   // acme-payments, acme, payments, globex
  EXPECT_EQ(o.PrivacyReport().dump().find("globex"), std::string::npos);
}

TEST(PrivacyByDefaultTest, KeyedPseudonymsAreShortUniqueAndStable) {
  ObfuscationConfig c = Defaults();
  c.key = "support-ticket-key";
  Obfuscator a(c);
  Obfuscator b(c);
  const std::regex shape(R"(777\.777\.\d\.(\d{1,5}):8482)");
  std::set<std::string> seen;
  for (int i = 0; i < 300; ++i) {
    const Pairs in = {
        {"__name__", "up"},
        {"job", "acme-storage"},
        {"instance", "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ":8482"},
        {"pod", "acme-vmstorage-" + std::to_string(i)},
        {"accountID", std::to_string(1000 + i)}};
    const auto x = Rewrite(a, in);
    // b sees the same series in reverse order of first sight for the first ones: same answers.
    const auto y = Rewrite(b, in);
    EXPECT_EQ(Get(x, "instance"), Get(y, "instance"));
    EXPECT_EQ(Get(x, "pod"), Get(y, "pod"));
    EXPECT_TRUE(std::regex_match(Get(x, "instance"), shape)) << Get(x, "instance");
    EXPECT_TRUE(seen.insert(Get(x, "instance")).second) << "collision " << Get(x, "instance");
    EXPECT_LE(Get(x, "accountID").size(), 5u);
    EXPECT_LE(Get(x, "pod").size(), std::string("pod-99999").size());
  }
  EXPECT_LE(Get(Rewrite(a, {{"__name__", "up"}, {"job", "acme-storage"}}), "job").size(),
            std::string("unknown-job-99999").size());
}

}  // namespace
}  // namespace vmx
