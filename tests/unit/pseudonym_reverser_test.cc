#include "infrastructure/obfuscation/pseudonym_reverser.h"

#include <gtest/gtest.h>

#include "infrastructure/obfuscation/obfuscator.h"

namespace vmx {
namespace {

TEST(PseudonymReverser, RevealsWholePseudonymsOnly) {
  nlohmann::json mapping = {
      {"hosts", {{"10.0.0.5", "777.777.1.3"}, {"10.0.0.6", "777.777.1.30"}}},
      {"hosts_by_component", {{"10.0.0.7", {"777.777.2.1", "777.777.3.1"}}}},
      {"jobs", {{"prod-vmstorage", "vmstorage-job-1"}, {"other", "vmstorage-job-12"}}},
      {"custom_labels", {{"pod", {{"vmstorage-0-1234", "pod-1"}}}}}};
  Result<PseudonymReverser> r = PseudonymReverser::FromMapping(mapping);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 7u);
  EXPECT_EQ(r->Reveal("777.777.2.1 and 777.777.3.1"), "10.0.0.7 and 10.0.0.7");
  EXPECT_EQ(r->Reveal("777.777.1.30:8482 and 777.777.1.3:8482 are slow"),
            "10.0.0.6:8482 and 10.0.0.5:8482 are slow");
  EXPECT_EQ(r->Reveal("vmstorage-job-12, vmstorage-job-1; pod-1 restarts; pod-10 unknown"),
            "other, prod-vmstorage; vmstorage-0-1234 restarts; pod-10 unknown");
  EXPECT_EQ(r->Reveal("nothing here"), "nothing here");
}

TEST(PseudonymReverser, NamesThePseudonymsTheMappingDoesNotKnow) {
  nlohmann::json mapping = {{"hosts", {{"10.0.0.5", "777.777.1.3"}}},
                            {"jobs", {{"prod-vmstorage", "vmstorage-job-1"}}}};
  Result<PseudonymReverser> r = PseudonymReverser::FromMapping(mapping);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->UnknownPseudonyms("777.777.1.3:8482 (vmstorage-job-1) is fine"),
            std::vector<std::string>{});
  EXPECT_EQ(r->UnknownPseudonyms("777.777.1.30:8482, vmselect-job-2 and 777.777.1.30 again; "
                                 "vmstorage-job-1 known; 1777.777.1.3 and x777.777.2.2 are not ours"),
            (std::vector<std::string>{"777.777.1.30", "vmselect-job-2"}));
}

TEST(PseudonymReverser, RoundTripsTheObfuscatorsOwnMapping) {
  ObfuscationConfig config;
  config.enabled = true;
  config.custom_labels = {"pod"};
  Obfuscator obf(config);
  std::vector<Label> series = {{"__name__", "vm_rows"}, {"job", "prod-vmstorage"},
                               {"instance", "10.1.2.3:8482"}, {"pod", "vmstorage-7"}};
  obf.SetJobComponent("prod-vmstorage", "vmstorage");
  std::vector<Label> rewritten = series;
  obf.RewriteSeries(rewritten);
  Result<PseudonymReverser> r = PseudonymReverser::FromMapping(obf.Mapping());
  ASSERT_TRUE(r.ok());
  for (size_t i = 1; i < series.size(); ++i) {
    ASSERT_NE(rewritten[i].value, series[i].value) << series[i].name;
    EXPECT_EQ(r->Reveal("see " + rewritten[i].value + " please"), "see " + series[i].value + " please")
        << series[i].name;
  }
}

TEST(PseudonymReverser, RejectsNonObjects) {
  EXPECT_FALSE(PseudonymReverser::FromMapping(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace vmx
