#include "domain/component_versions.h"

#include <gtest/gtest.h>

namespace vmx {
namespace {

TEST(CompareVersions, NumbersCompareByValue) {
  EXPECT_LT(CompareVersions("v1.97.0", "v1.97.1"), 0);
  EXPECT_LT(CompareVersions("v1.97.1", "v1.100.0"), 0);  // text order says the opposite
  EXPECT_GT(CompareVersions("v1.100.0", "v1.99.9"), 0);
  EXPECT_EQ(CompareVersions("v1.97.0", "v1.97.0"), 0);
  EXPECT_LT(CompareVersions("v1.97", "v1.97.0"), 0);
  EXPECT_GT(CompareVersions("v1.97.0-cluster", "v1.97.0"), 0);
}

TEST(ComponentVersions, EveryVersionWithItsInstancesNewestByNumber) {
  ComponentVersions v;
  v.Add("vmstorage", "v1.97.1", "a:8482");
  v.Add("vmstorage", "v1.97.0", "b:8482");
  v.Add("vmstorage", "v1.97.0", "c:8482");
  v.Add("vmstorage", "v1.97.0", "c:8482");  // the same instance twice counts once
  v.Add("vmsingle", "", "127.0.0.1:8428");   // Debian: no version reported
  v.Touch("vmagent");
  EXPECT_EQ(v.Newest("vmstorage"), "v1.97.1");
  EXPECT_EQ(v.Newest("vmsingle"), "");
  EXPECT_EQ(v.Newest("vmalert"), "");
  EXPECT_EQ(v.ToJson()["vmstorage"], nlohmann::json::parse(R"([{"version":"v1.97.0","instances":2},
                                                                {"version":"v1.97.1","instances":1}])"));
  EXPECT_EQ(v.ToJson()["vmsingle"], nlohmann::json::parse(R"([{"version":"","instances":1}])"));
  EXPECT_EQ(v.ToJson()["vmagent"], nlohmann::json::array());
  const auto newest = v.NewestByComponent();
  EXPECT_EQ(newest.at("vmstorage"), "v1.97.1");
  EXPECT_EQ(newest.at("vmagent"), "");
  EXPECT_EQ(newest.size(), 3u);
}

}  // namespace
}  // namespace vmx
