#include <gtest/gtest.h>

#include "domain/export_config.h"
#include "domain/time_range.h"

namespace vmx {
namespace {

TEST(Rfc3339, ParsesUtcOffsetsAndFractions) {
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseRfc3339("2023-11-14T22:13:20Z"), 1700000000000);
  EXPECT_EQ(*ParseRfc3339("2023-11-15T00:13:20+02:00"), 1700000000000);
  EXPECT_EQ(*ParseRfc3339("2023-11-14T22:13:20.5Z"), 1700000000500);
  EXPECT_EQ(*ParseRfc3339("2024-02-29T00:00:00Z"), 1709164800000);
}

TEST(Rfc3339, RejectsWithAnExample) {
  for (const char* bad : {"", "yesterday", "2023-11-14", "2023-13-01T00:00:00Z",
                          "2023-11-14T22:13:20", "2023-11-14T22:13:20Zjunk"}) {
    Result<UnixMillis> r = ParseRfc3339(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("RFC 3339"), std::string::npos);
  }
}

TEST(Rfc3339, FormatRoundTrips) {
  EXPECT_EQ(FormatRfc3339(1700000000000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatRfc3339(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(*ParseRfc3339(FormatRfc3339(1700000000123)), 1700000000123);
}

nlohmann::json MinimalConfig() {
  return nlohmann::json::parse(R"({
    "connection": {"url": "http://127.0.0.1:8428", "auth": {"type": "basic", "username": "u", "password": "p"}},
    "time_range": {"start": "2023-11-14T21:13:20Z", "end": "2023-11-14T22:13:20Z"},
    "components": ["vmstorage"], "jobs": ["prod-vmstorage"],
    "obfuscation": {"enabled": true, "custom_labels": ["pod"]},
    "unknown_field": 1
  })");
}

TEST(ExportConfig, ReadsTheContractFields) {
  Result<ExportConfig> c = ExportConfigFromJson(MinimalConfig());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->connection.auth.type, AuthType::kBasic);
  EXPECT_EQ(c->time_range.duration_ms(), 3600000);
  EXPECT_TRUE(c->obfuscation.enabled);
  EXPECT_EQ(c->obfuscation.custom_labels, std::vector<std::string>{"pod"});
  EXPECT_EQ(c->mode, ExportMode::kCluster);
}

TEST(ExportConfig, ErrorsNameTheField) {
  struct Case {
    const char* pointer;
    nlohmann::json value;
    const char* field;
  };
  for (const Case& c : std::vector<Case>{
           {"/time_range/end", "2023-11-14T20:00:00Z", "time_range.end"},
           {"/time_range/start", "soon", "time_range.start"},
           {"/connection/auth/type", "kerberos", "connection.auth.type"},
           {"/connection/url", 5, "connection.url"},
           {"/components", "vmstorage", "components"},
           {"/obfuscation/enabled", "yes", "obfuscation.enabled"},
           {"/metric_step_seconds", -1, "metric_step_seconds"},
           {"/metric_step_seconds", 1e308, "metric_step_seconds"},
           {"/metric_step_seconds", 1.5, "metric_step_seconds"},
           {"/batching", {{"strategy", "custom"}}, "batching.custom_interval_seconds"},
           {"/output_settings", {{"archive_name", "../x.zip"}}, "output_settings.archive_name"},
       }) {
    nlohmann::json j = MinimalConfig();
    j[nlohmann::json::json_pointer(c.pointer)] = c.value;
    Result<ExportConfig> r = ExportConfigFromJson(j);
    ASSERT_FALSE(r.ok()) << c.pointer;
    EXPECT_NE(r.status().message().find(c.field), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().http_status(), 400);
  }
}

TEST(ExportConfig, PublicJsonHasNoSecrets) {
  nlohmann::json j = MinimalConfig();
  j["obfuscation"]["key"] = "topsecretkey";
  const std::string out = ExportConfigToPublicJson(*ExportConfigFromJson(j)).dump();
  EXPECT_EQ(out.find("\"p\""), std::string::npos);
  EXPECT_EQ(out.find("topsecretkey"), std::string::npos);
}

}  // namespace
}  // namespace vmx
