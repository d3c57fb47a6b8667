// Privacy by default (issue 14), end to end: a real victoria-metrics holds series shaped like
// every leak class of a VictoriaMetrics cluster's self-monitoring (tenants, vmauth users, cloud
// node names, identity labels, short host names by place, secret flags, customer words) next to
// the labels support needs; `vmexporter export` with default settings (and one key) must ship
// none of the originals, give each host one pseudonym everywhere, keep support labels byte for
// byte, and give the same series from two runs. `verify -mapping` finds originals in a bundle
// exported without obfuscation.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string Line(const Labels& labels, int64_t end_ms) {
  nlohmann::json metric = nlohmann::json::object();
  for (const auto& [k, v] : labels) metric[k] = v;
  nlohmann::json values = nlohmann::json::array(), stamps = nlohmann::json::array();
  for (int i = 0; i < 10; ++i) {
    values.push_back(i);
    stamps.push_back(end_ms - (9 - i) * 30000);
  }
  return nlohmann::json{{"metric", metric}, {"values", values}, {"timestamps", stamps}}.dump() +
         "\n";
}

// Label sets as VictoriaMetrics 1.9x cluster components expose them, behind a Kubernetes scrape.
std::string Fixture(int64_t end_ms) {
  const Labels k8s = {{"cluster", "acme-payments-eu"}, {"namespace", "acme-prod"}};
  auto with = [&](Labels own) {
    Labels l = k8s;
    l.insert(l.end(), own.begin(), own.end());
    return l;
  };
  const std::string storage = "acme-payments-vmstorage", insert = "acme-payments-vminsert",
                    select = "acme-payments-vmselect", agent = "acme-payments-vmagent",
                    auth = "acme-payments-vmauth", alert = "acme-payments-vmalert";
  std::string out;
  for (const auto& [job, instance, version, pod, node] : std::vector<std::array<std::string, 5>>{
           {storage, "10.2.0.11:8482", "vmstorage-20240201-000000-tags-v1.97.1-cluster-0-gabcdef0",
            "acme-payments-vmstorage-0", "gke-acme-payments-default-pool-3f2a1b9c-x7kq"},
           {storage, "vmstorage-1:8482",
            "vmstorage-20240201-000000-tags-v1.97.1-cluster-0-gabcdef0",
            "acme-payments-vmstorage-1", "aks-acmepool-12345678-vmss000001"},
           {insert, "10.2.0.21:8480", "vminsert-20240201-000000-tags-v1.97.1-cluster-0-gabcdef0",
            "acme-payments-vminsert-5d9f", "gke-acme-payments-default-pool-3f2a1b9c-p2mn"},
           {select, "10.2.0.31:8481", "vmselect-20240201-000000-tags-v1.97.1-cluster-0-gabcdef0",
            "acme-payments-vmselect-0", "gke-acme-payments-default-pool-3f2a1b9c-p2mn"},
           {agent, "10.2.0.41:8429", "vmagent-20240201-000000-tags-v1.97.1-0-gabcdef0",
            "acme-payments-vmagent-0", "ip-10-2-0-41.eu-west-1.compute.internal"},
           {auth, "10.2.0.51:8427", "vmauth-20240201-000000-tags-v1.97.1-0-gabcdef0",
            "acme-payments-vmauth-0", "acme-node-7"},
           {alert, "10.2.0.61:8880", "vmalert-20240201-000000-tags-v1.97.1-0-gabcdef0",
            "acme-payments-vmalert-0", "acme-node-7"},
       }) {
    const Labels target = {{"job", job}, {"instance", instance}, {"pod", pod}, {"node", node}};
    auto series = [&](Labels own) {
      Labels l = with(target);
      l.insert(l.end(), own.begin(), own.end());
      out += Line(l, end_ms);
    };
    series({{"__name__", "vm_app_version"}, {"version", version}, {"short_version", "v1.97.1"}});
    series({{"__name__", "vm_log_messages_total"},
            {"app_version", version},
            {"level", "info"},
            {"location", "VictoriaMetrics/lib/logger/flag.go:12"}});
    series({{"__name__", "flag"}, {"name", "loggerLevel"}, {"value", "INFO"}, {"is_set", "false"}});
    series({{"__name__", "vm_http_requests_total"}, {"path", "/metrics"}});
    series({{"__name__", "vm_http_request_duration_seconds_bucket"},
            {"path", "/metrics"},
            {"vmrange", "1.000e-02...1.136e-02"}});
    if (job == storage) {
      series({{"__name__", "vm_tenant_inserted_rows_total"},
              {"accountID", "1011"},
              {"projectID", "7"}});
      series({{"__name__", "vm_rows"}, {"type", "storage/small"}});
    }
    if (job == insert) {
      series({{"__name__", "vm_rpc_rows_sent_total"}, {"addr", "10.2.0.11:8400"}});
      series({{"__name__", "vm_rpc_rows_sent_total"}, {"addr", "vmstorage-1:8400"}});
      series({{"__name__", "flag"},
              {"name", "storageNode"},
              {"value", "10.2.0.11:8400,vmstorage-1:8400"},
              {"is_set", "true"}});
      series({{"__name__", "vm_tenant_inserted_rows_total"},
              {"accountID", "1011"},
              {"projectID", "7"}});
    }
    if (job == select) {
      series({{"__name__", "vm_tcpdialer_dials_total"}, {"addr", "vmstorage-1:8401"}});
      series({{"__name__", "flag"},
              {"name", "storageNode"},
              {"value", "10.2.0.11:8401,vmstorage-1:8401"},
              {"is_set", "true"}});
      series({{"__name__", "flag"},
              {"name", "search.resetCacheAuthKey"},
              {"value", "hunter2acmekey"},
              {"is_set", "true"}});
      series({{"__name__", "vm_tenant_select_requests_total"},
              {"accountID", "1011"},
              {"projectID", "7"}});
      series({{"__name__", "vm_request_duration_seconds"}, {"quantile", "0.99"}});
    }
    if (job == agent) {
      series({{"__name__", "vmagent_remotewrite_requests_total"},
              {"url", "http://10.2.0.21:8480/insert/1011:7/prometheus/api/v1/write"}});
      series({{"__name__", "flag"},
              {"name", "remoteWrite.url"},
              {"value", "http://10.2.0.21:8480/insert/1011:7/prometheus/api/v1/write"},
              {"is_set", "true"}});
      series({{"__name__", "flag"},
              {"name", "remoteWrite.basicAuth.password"},
              {"value", "s3cr3t-acme"},
              {"is_set", "true"}});
      series({{"__name__", "vmagent_rows_inserted_total"}, {"type", "promremotewrite"}});
    }
    if (job == auth) {
      series({{"__name__", "vmauth_user_requests_total"}, {"username", "acme-billing-svc"}});
      series({{"__name__", "vmauth_unauthorized_user_requests_total"}, {"reason", "missing_auth"}});
    }
    if (job == alert) {
      series({{"__name__", "vmalert_alerts_firing"},
              {"alertname", "AcmePaymentsDown"},
              {"group", "acme-payments-slo"},
              {"file", "/etc/vmalert/acme-payments/rules.yaml"}});
      series({{"__name__", "vmalert_iteration_total"},
              {"group", "acme-payments-slo"},
              {"action", "eval"}});
    }
  }
  return out;
}

struct Bundle {
  std::string zip;
  std::string all_entries;              // every entry's text
  std::vector<nlohmann::json> metrics;  // metric objects of metrics.jsonl
};

Bundle Open(const std::string& zip) {
  Bundle b{zip, {}, {}};
  CommandRun listing = RunCommand("unzip -Z1 " + zip);
  std::istringstream names(listing.out);
  for (std::string name; std::getline(names, name);) {
    if (!name.empty()) b.all_entries += RunCommand("unzip -p " + zip + " " + name).out;
  }
  std::istringstream lines(RunCommand("unzip -p " + zip + " metrics.jsonl").out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) b.metrics.push_back(nlohmann::json::parse(line)["metric"]);
  }
  return b;
}

std::string LastLine(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  const size_t nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

std::string HostOf(const std::string& address) {
  const size_t colon = address.find(':');
  return address.substr(0, colon);
}

class PrivacyByDefault : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    vm_ = new VmSingle();
    const int64_t end_ms = (std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count() -
                            60) *
                           1000;
    vm_->Import(Fixture(end_ms));
  }
  static void TearDownTestSuite() {
    delete vm_;
    vm_ = nullptr;
  }

  // Exports everything of the last hour with default privacy settings; returns the bundle path.
  std::string Export(const std::string& name, const std::string& extra) {
    const std::string out = dir_.path() + "/" + name;
    CommandRun r =
        RunCommand(VmexporterBinary() + " export -url=" + vm_->url() + " -since=1h -output=" + out +
                   " -mapping-out=" + out + "/map.json " + extra);
    EXPECT_EQ(r.code, 0) << r.err;
    return LastLine(r.out);
  }

  // The metrics of `b` whose __name__ and job pseudonym-independent labels match.
  static std::vector<nlohmann::json> Named(const Bundle& b, const std::string& metric) {
    std::vector<nlohmann::json> out;
    for (const auto& m : b.metrics) {
      if (m.value("__name__", "") == metric) out.push_back(m);
    }
    return out;
  }

  TempDir dir_;
  static VmSingle* vm_;
};
VmSingle* PrivacyByDefault::vm_ = nullptr;

TEST_F(PrivacyByDefault, NothingNamesTheCustomerHostsCorrelateSupportLabelsStay) {
  const std::string key = "-obfuscation-key=ticket-4711";
  const Bundle a = Open(Export("a", key));
  const Bundle b = Open(Export("b", key));
  ASSERT_EQ(a.metrics.size(), 56u);  // every fixture series, none lost to a rule

  // No original of any class in any entry (tenants are checked on the parsed labels below: their
  // digits occur inside timestamps).
  for (const char* original :
       {"acme", "ACME", "Acme_", "10.2.0.", "vmstorage-1:", "gke-", "aks-", "vmss", "hunter2",
        "s3cr3t", "billing", "ip-10-2-0-41", "eu-west-1.compute"}) {
    EXPECT_EQ(a.all_entries.find(original), std::string::npos) << original;
  }
  for (const char* metric : {"vm_tenant_inserted_rows_total", "vm_tenant_select_requests_total"}) {
    for (const auto& m : Named(a, metric)) {
      EXPECT_NE(m["accountID"], "1011");
      EXPECT_NE(m["projectID"], "7");
      EXPECT_TRUE(std::regex_match(m["accountID"].get<std::string>(), std::regex(R"(\d{1,5})")))
          << m;
    }
  }

  // Support labels byte for byte.
  std::set<std::string> locations, vmranges, versions, flag_names;
  for (const auto& m : a.metrics) {
    if (m.contains("location")) locations.insert(m["location"]);
    if (m.contains("vmrange")) vmranges.insert(m["vmrange"]);
    if (m.contains("version")) versions.insert(m["version"]);
    if (m.value("__name__", "") == "flag") flag_names.insert(m["name"]);
  }
  EXPECT_EQ(locations, std::set<std::string>{"VictoriaMetrics/lib/logger/flag.go:12"});
  EXPECT_EQ(vmranges, std::set<std::string>{"1.000e-02...1.136e-02"});
  EXPECT_EQ(versions.size(), 6u);
  EXPECT_TRUE(versions.count("vmstorage-20240201-000000-tags-v1.97.1-cluster-0-gabcdef0"));
  EXPECT_EQ(flag_names,
            (std::set<std::string>{"loggerLevel", "storageNode", "search.resetCacheAuthKey",
                                   "remoteWrite.url", "remoteWrite.basicAuth.password"}));
  for (const auto& [metric, label, value] : std::vector<std::array<std::string, 3>>{
           {"vm_request_duration_seconds", "quantile", "0.99"},
           {"vm_rows", "type", "storage/small"},
           {"vmauth_unauthorized_user_requests_total", "reason", "missing_auth"},
           {"vmalert_iteration_total", "action", "eval"},
           {"vmalert_alerts_firing", "alertname", "AcmePaymentsDown"},
           {"vm_http_requests_total", "path", "/metrics"},
           {"vm_app_version", "short_version", "v1.97.1"}}) {
    const auto found = Named(a, metric);
    ASSERT_FALSE(found.empty()) << metric;
    for (const auto& m : found) EXPECT_EQ(m.value(label, ""), value) << metric;
  }
  EXPECT_EQ(Named(a, "flag").front().value("is_set", "").empty(), false);

  // Identity labels, secrets, users.
  for (const auto& m : a.metrics) {
    EXPECT_TRUE(std::regex_match(m["cluster"].get<std::string>(), std::regex(R"(cluster-\d{1,5})")))
        << m;
    EXPECT_TRUE(
        std::regex_match(m["namespace"].get<std::string>(), std::regex(R"(namespace-\d{1,5})")))
        << m;
    EXPECT_TRUE(std::regex_match(m["pod"].get<std::string>(), std::regex(R"(pod-\d{1,5})"))) << m;
    const bool secret_flag =
        m.value("__name__", "") == "flag" &&
        (m["name"] == "search.resetCacheAuthKey" || m["name"] == "remoteWrite.basicAuth.password");
    if (secret_flag) {
      EXPECT_EQ(m["value"], "secret");
    }
  }
  EXPECT_TRUE(std::regex_match(
      Named(a, "vmauth_user_requests_total").front()["username"].get<std::string>(),
      std::regex(R"(username-\d{1,5})")));

  // One pseudonym per host: the vmstorage at 10.2.0.11 and vmstorage-1 in instance, the addr of
  // vminsert's vm_rpc_*, vmselect's vm_tcpdialer_*, -storageNode of both; vminsert in a URL.
  std::map<std::string, std::set<std::string>> hosts;  // role -> pseudonyms seen
  for (const auto& m : Named(a, "vm_app_version")) {
    const std::string v = m["version"];
    hosts[v.substr(0, v.find('-')) + "@instance"].insert(HostOf(m["instance"]));
  }
  ASSERT_EQ(hosts["vmstorage@instance"].size(), 2u);
  for (const std::string& h : hosts["vmstorage@instance"])
    EXPECT_EQ(h.rfind("777.777.1.", 0), 0u) << h;
  std::set<std::string> storage_elsewhere;
  for (const auto& m : Named(a, "vm_rpc_rows_sent_total"))
    storage_elsewhere.insert(HostOf(m["addr"]));
  for (const auto& m : Named(a, "vm_tcpdialer_dials_total"))
    storage_elsewhere.insert(HostOf(m["addr"]));
  for (const auto& m : Named(a, "flag")) {
    if (m["name"] != "storageNode") continue;
    std::istringstream list(m["value"].get<std::string>());
    for (std::string node; std::getline(list, node, ',');) storage_elsewhere.insert(HostOf(node));
  }
  EXPECT_EQ(storage_elsewhere, hosts["vmstorage@instance"]);
  ASSERT_EQ(hosts["vminsert@instance"].size(), 1u);
  const std::string vminsert = *hosts["vminsert@instance"].begin();
  for (const auto& m : Named(a, "vmagent_remotewrite_requests_total")) {
    EXPECT_TRUE(std::regex_match(
        m["url"].get<std::string>(),
        std::regex("http://" + std::regex_replace(vminsert, std::regex(R"(\.)"), R"(\.)") +
                   R"(:8480/insert/\d{1,5}:\d{1,5}/prometheus/api/v1/write)")))
        << m["url"] << " vs " << vminsert;
  }
  // Keyed pseudonyms stay short: at most 5 digits per number.
  const std::regex number(
      R"((777\.777\.\d+\.|-job-|cluster-|namespace-|pod-|node-|username-)(\d+))");
  for (auto it = std::sregex_iterator(a.all_entries.begin(), a.all_entries.end(), number);
       it != std::sregex_iterator(); ++it) {
    EXPECT_LE((*it)[2].length(), 5) << (*it)[0];
  }

  // The same sorted series from two runs with one key.
  auto sorted = [](const Bundle& bundle) {
    std::vector<std::string> out;
    for (const auto& m : bundle.metrics) out.push_back(m.dump());
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(sorted(a), sorted(b));

  // The metadata carries the privacy report: rules per label, never originals.
  const nlohmann::json metadata =
      nlohmann::json::parse(RunCommand("unzip -p " + a.zip + " metadata.json").out);
  const std::string report = metadata.dump();
  EXPECT_NE(report.find("identity_label"), std::string::npos) << report;
  EXPECT_NE(report.find("secret_flag"), std::string::npos) << report;

  // verify -mapping: clean on the obfuscated bundle, the originals found in a plain one.
  CommandRun clean =
      RunCommand(VmexporterBinary() + " verify -mapping=" + dir_.path() + "/a/map.json " + a.zip);
  EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("no mapped original in any entry"), std::string::npos) << clean.out;
  const std::string plain = Export("plain", "-obfuscate=false");
  CommandRun leak =
      RunCommand(VmexporterBinary() + " verify -mapping=" + dir_.path() + "/a/map.json " + plain);
  EXPECT_NE(leak.code, 0) << leak.out;
  EXPECT_NE(leak.out.find("metrics.jsonl: "), std::string::npos) << leak.out;
}

}  // namespace
}  // namespace vmx::testing
