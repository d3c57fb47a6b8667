// The privacy building blocks below the Obfuscator: the multi-pattern matcher (whole words, any
// case, across chunk borders), learned customer words, the leak guard and label places.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "infrastructure/obfuscation/label_places.h"
#include "infrastructure/obfuscation/leak_guard.h"
#include "infrastructure/obfuscation/learned_tokens.h"
#include "infrastructure/obfuscation/multi_pattern_matcher.h"

namespace vmx {
namespace {

std::vector<std::pair<size_t, uint64_t>> MatchesInChunks(const MultiPatternMatcher& m,
                                                         const std::vector<std::string>& chunks) {
  std::vector<std::pair<size_t, uint64_t>> out;
  MultiPatternMatcher::Cursor cursor;
  const MultiPatternMatcher::OnMatch on = [&](size_t p, uint64_t end) { out.emplace_back(p, end); };
  for (const std::string& c : chunks) m.Feed(cursor, c, on);
  m.Finish(cursor, on);
  return out;
}

TEST(MultiPatternMatcherTest, WholeWordsAnyCaseAcrossChunks) {
  const MultiPatternMatcher m({"acme", "acme-payments", "10.0.0.5"},
                              /*underscore_joins_words=*/true);
  using V = std::vector<std::pair<size_t, uint64_t>>;
  EXPECT_EQ(MatchesInChunks(m, {"x ACME y"}), (V{{0, 6}}));
  EXPECT_EQ(MatchesInChunks(m, {"acmeX acme_x xacme"}), V{});
  // Both the word and the longer pattern end where they end.
  EXPECT_EQ(MatchesInChunks(m, {"/acme-payments/"}), (V{{0, 5}, {1, 14}}));
  // Split at every position, the same matches.
  const std::string text = "a 10.0.0.5:8400, 110.0.0.5 ACME";
  const V whole = MatchesInChunks(m, {text});
  EXPECT_EQ(whole, (V{{2, 10}, {0, 31}}));
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    EXPECT_EQ(MatchesInChunks(m, {text.substr(0, cut), text.substr(cut)}), whole) << cut;
  }
  const MultiPatternMatcher underscore_splits({"acme"}, /*underscore_joins_words=*/false);
  EXPECT_EQ(MatchesInChunks(underscore_splits, {"acme_rules.yaml"}), (V{{0, 4}}));
}

TEST(MultiPatternMatcherTest, ReplaceTakesLongestLeftmost) {
  const MultiPatternMatcher m({"acme", "acme-payments"}, false);
  EXPECT_EQ(m.Replace("/etc/acme-payments/acme_rules.yaml", {"A", "B"}), "/etc/B/A_rules.yaml");
  EXPECT_EQ(m.Replace("nothing here", {"A", "B"}), "nothing here");
  const MultiPatternMatcher none({}, false);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.Replace("acme", {}), "acme");
}

TEST(LearnedTokensTest, CustomerWordsOnly) {
  EXPECT_EQ(LearnedTokens::WordsOf("acme-payments-vmstorage"),
            (std::vector<std::string>{"acme-payments", "acme", "payments"}));
  EXPECT_EQ(LearnedTokens::WordsOf("gke-acme-prod-pool-1-abc123-xyz9"),
            (std::vector<std::string>{"acme"}));
  EXPECT_TRUE(LearnedTokens::WordsOf("monitoring").empty());
  EXPECT_TRUE(LearnedTokens::WordsOf("kube-system").empty());
  EXPECT_TRUE(LearnedTokens::WordsOf("vmstorage-0").empty());
  EXPECT_TRUE(LearnedTokens::WordsOf("eu-west-1").empty());
  EXPECT_TRUE(LearnedTokens::WordsOf("12345").empty());

  LearnedTokens tokens;
  EXPECT_TRUE(tokens.empty());
  EXPECT_EQ(tokens.Learn("acme-payments-eu", "cluster-1"), 3u);
  EXPECT_EQ(tokens.Learn("acme-payments-vmstorage", "vmstorage-job-1"),
            0u);  // first source keeps its words
  EXPECT_EQ(tokens.Replace("/etc/vmalert/acme-payments/rules.yaml"),
            "/etc/vmalert/cluster-1/rules.yaml");
  EXPECT_EQ(tokens.Replace("Acme_alerts"), "cluster-1_alerts");
  EXPECT_EQ(tokens.Replace("vm_rows"), "vm_rows");
  // Replacing twice changes nothing.
  EXPECT_EQ(tokens.Replace(tokens.Replace("acme acme-payments")), "cluster-1 cluster-1");
}

TEST(LeakGuardTest, FindsOriginalsAsWholeWordsOnly) {
  const LeakGuard guard({"acme-payments-eu", "10.0.0.5", "42", "prod", "db", "say \"hi\""});
  EXPECT_EQ(guard.size(), 4u);  // the escaped quote form is scanned for too
  EXPECT_EQ(guard.CountIn("{\"cluster\":\"ACME-PAYMENTS-EU\"}"), 1u);
  EXPECT_EQ(guard.CountIn("{\"addr\":\"10.0.0.5:8400\"} 110.0.0.5 10.0.0.50"), 1u);
  EXPECT_EQ(guard.CountIn("{\"v\":\"say \\\"hi\\\"\"}"), 1u);
  EXPECT_EQ(guard.CountIn("prod 42 db"), 0u);
  LeakScan scan;
  guard.Feed(scan, "x acme-pay");
  guard.Feed(scan, "ments-eu");
  guard.Finish(scan);
  EXPECT_EQ(scan.hits, 1u);
  ASSERT_EQ(scan.needles.size(), 1u);
  EXPECT_EQ(guard.Needle(scan.needles[0]), "acme-payments-eu");
}

// Hits of FeedExportLine over `lines`, and of a plain Feed over the same text.
std::pair<uint64_t, uint64_t> ExportLineHits(const LeakGuard& guard,
                                             const std::vector<std::string>& lines) {
  LeakScan by_line, whole;
  for (const std::string& line : lines) {
    guard.FeedExportLine(by_line, line);
    guard.Feed(whole, line + "\n");
  }
  guard.Finish(by_line);
  guard.Finish(whole);
  return {by_line.hits, whole.hits};
}

TEST(LeakGuardTest, ExportLinesSkipOnlySampleArraysThatCannotHoldANeedle) {
  const LeakGuard guard({"db-prod-7.acme.internal", "10.1.2.3", "[fe80::1]", "node-7"});
  EXPECT_FALSE(guard.SkipsSampleArrays());  // "[fe80::1]" holds '[': whole lines are scanned
  const LeakGuard hosts({"db-prod-7.acme.internal", "10.1.2.3", "node-7", "ACME-EU"});
  ASSERT_TRUE(hosts.SkipsSampleArrays());
  const std::string labels = R"({"metric":{"__name__":"up","instance":"777.777.1.1:8428"},)";
  const std::vector<std::pair<std::string, uint64_t>> cases = {
      {labels + R"("values":[1,2.5,-3e-7,1E+300],"timestamps":[1764547200000,1764547230000]})", 0},
      {R"({"metric":{"host":"db-prod-7.acme.internal"},"values":[1],"timestamps":[1]})", 1},
      {R"({"metric":{"node":"NODE-7","ip":"10.1.2.3"},"values":[],"timestamps":[]})", 2},
      // Arrays that are not plain numbers are scanned: two dots in one element, a word, a string.
      {labels + R"("values":[10.1.2.3],"timestamps":[1]})", 1},
      {labels + R"("values":[node-7,1],"timestamps":[1,2]})", 1},
      {labels + R"("values":[1],"timestamps":["acme-eu"]})", 1},
      {labels + R"("values":[1,NaN],"timestamps":[1,2],"x":"acme-eu"})", 1},
      {labels + R"("values":[10.1,2.3],"timestamps":[1,2]})", 0},
  };
  for (const auto& [line, hits] : cases) {
    const auto [by_line, whole] = ExportLineHits(hosts, {line});
    EXPECT_EQ(by_line, hits) << line;
    EXPECT_EQ(by_line, whole) << line;
  }
}

TEST(LeakGuardTest, NeedlesThatFitInSampleArraysTurnTheSkipOff) {
  // A number with one dot, a piece of the "timestamps" key, anything with line structure.
  for (const std::string needle : {"12.5", "1e10", "Timestamp", "a,b-c", "x}yz"}) {
    const LeakGuard guard({needle, "acme-eu"});
    ASSERT_EQ(guard.size(), 2u) << needle;
    EXPECT_FALSE(guard.SkipsSampleArrays()) << needle;
    const std::string line =
        R"({"metric":{"a":"b"},"values":[12.5,1e10],"timestamps":[1764547200000]})";
    const auto [by_line, whole] = ExportLineHits(guard, {line});
    EXPECT_EQ(by_line, whole) << needle;
  }
  EXPECT_EQ(
      ExportLineHits(LeakGuard({"12.5"}), {R"({"metric":{},"values":[12.5],"timestamps":[1]})"})
          .first,
      1u);
}

TEST(LeakGuardTest, OriginalsInMappingSkipTenants) {
  const nlohmann::json mapping = {
      {"hosts", {{"10.0.0.5", {"777.777.1.1"}}}},
      {"jobs", {{"acme-storage", "vmstorage-job-1"}}},
      {"identity_labels",
       {{"cluster", {{"acme-eu", "cluster-1"}}},
        {"node", {{"node-7", "node-1"}, {"node-1", "node-2"}}}}},
      {"tenants", {{"accounts", {{"1011", "1"}}}}},
      {"learned_tokens", {{"acme", "cluster-1"}}},
      {"component_numbers", {{"vmstorage", 1}}},
  };
  std::vector<std::string> originals = LeakGuard::OriginalsInMapping(mapping);
  std::sort(originals.begin(), originals.end());
  // "node-1" is also a pseudonym in the bundle: scanning for it would stop a good export.
  EXPECT_EQ(originals, (std::vector<std::string>{"10.0.0.5", "acme-eu", "acme-storage", "node-7"}));
}

TEST(LabelPlacesTest, KindsByNameAndPlace) {
  for (const char* support :
       {"__name__", "le", "vmrange", "quantile", "version", "short_version", "type", "path",
        "location", "reason", "action", "is_set", "alertname", "name"}) {
    EXPECT_EQ(KindOfLabel(support, "vm_log_messages_total"), LabelKind::kSupport) << support;
  }
  EXPECT_EQ(KindOfLabel("value", "flag"), LabelKind::kFlagValue);
  EXPECT_EQ(KindOfLabel("value", "something"), LabelKind::kOther);
  for (const char* identity :
       {"cluster", "namespace", "pod", "node", "hostname", "nodename", "username", "user", "owner",
        "email", "team", "kubernetes_pod_name", "exported_namespace"}) {
    EXPECT_EQ(KindOfLabel(identity, "up"), LabelKind::kIdentity) << identity;
    EXPECT_FALSE(IdentityReason(identity).empty()) << identity;
  }
  EXPECT_EQ(KindOfLabel("accountID", "vm_tenant_inserted_rows_total"), LabelKind::kTenantAccount);
  EXPECT_EQ(KindOfLabel("projectID", "vm_tenant_inserted_rows_total"), LabelKind::kTenantProject);
  EXPECT_EQ(KindOfLabel("addr", "vm_rpc_rows_sent_total"), LabelKind::kAddressList);
  EXPECT_EQ(KindOfLabel("exported_instance", "up"), LabelKind::kAddressList);
  EXPECT_EQ(KindOfLabel("host", "up"), LabelKind::kAddressList);
  EXPECT_EQ(KindOfLabel("group", "vmalert_alerts_firing"), LabelKind::kOther);
  EXPECT_EQ(IdentityReason("group"), "");

  EXPECT_EQ(KindOfFlag("httpAuth.password"), FlagValueKind::kSecret);
  EXPECT_EQ(KindOfFlag("s3.secretAccessKey"), FlagValueKind::kSecret);
  EXPECT_EQ(KindOfFlag("search.resetCacheAuthKey"), FlagValueKind::kSecret);
  EXPECT_EQ(KindOfFlag("remoteWrite.bearerToken"), FlagValueKind::kSecret);
  EXPECT_EQ(KindOfFlag("remoteWrite.basicAuth.passwordFile"), FlagValueKind::kText);
  EXPECT_EQ(KindOfFlag("auth.config"), FlagValueKind::kText);
  EXPECT_EQ(KindOfFlag("storageNode"), FlagValueKind::kAddressList);
  EXPECT_EQ(KindOfFlag("remoteWrite.url"), FlagValueKind::kAddressList);
  EXPECT_EQ(KindOfFlag("httpListenAddr"), FlagValueKind::kAddressList);
  EXPECT_EQ(KindOfFlag("retentionPeriod"), FlagValueKind::kText);

  EXPECT_EQ(ComponentOfPlace("addr", "vm_rpc_rows_sent_total", ""), "vmstorage");
  EXPECT_EQ(ComponentOfPlace("value", "flag", "storageNode"), "vmstorage");
  EXPECT_EQ(ComponentOfPlace("value", "flag", "selectNode"), "vmselect");
  EXPECT_EQ(ComponentOfPlace("url", "vmagent_remotewrite_requests_total", ""), "");
}

}  // namespace
}  // namespace vmx
