// Where vmimport writes and reads for each URL form, and how options are read and checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "importer/import_options.h"
#include "importer/import_target.h"
#include "importer/time_text.h"

namespace vmx::importer {
namespace {

TEST(ImportTarget, SingleNodeForms) {
  for (const char* url : {"http://vm:8428", "vm:8428/", " http://vm:8428/prometheus ",
                          "http://vm:8428/prometheus/api/v1/query?query=up"}) {
    Result<ImportTarget> t = ResolveImportTarget(url, "");
    ASSERT_TRUE(t.ok()) << url;
    EXPECT_EQ(t->write_url, "http://vm:8428/api/v1/import") << url;
    EXPECT_EQ(t->read_base, "http://vm:8428") << url;
    EXPECT_EQ(t->tenant, "");
  }
}

TEST(ImportTarget, ClusterTenantFromFlagOrUrl) {
  Result<ImportTarget> by_flag = ResolveImportTarget("https://vmauth.example", "1011:5");
  ASSERT_TRUE(by_flag.ok());
  EXPECT_EQ(by_flag->write_url, "https://vmauth.example/insert/1011:5/prometheus/api/v1/import");
  EXPECT_EQ(by_flag->read_base, "https://vmauth.example/select/1011:5/prometheus");

  Result<ImportTarget> by_url = ResolveImportTarget("http://vminsert:8480/insert/42/prometheus/", "");
  ASSERT_TRUE(by_url.ok());
  EXPECT_EQ(by_url->tenant, "42");
  EXPECT_EQ(by_url->write_url, "http://vminsert:8480/insert/42/prometheus/api/v1/import");

  EXPECT_FALSE(ResolveImportTarget("http://x/insert/42/prometheus", "7").ok());
  EXPECT_FALSE(ResolveImportTarget("http://x", "tenant-a").ok());
  EXPECT_FALSE(ResolveImportTarget("  ", "").ok());
  EXPECT_FALSE(ResolveImportTarget("ftp://x", "").ok());
}

// A vmselect cannot take writes: its URL is refused with the vminsert form, not rewritten.
TEST(ImportTarget, SelectUrlIsRefusedWithTheInsertForm) {
  Result<ImportTarget> t = ResolveImportTarget("http://vmselect:8481/select/42/prometheus", "");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("vmselect cannot take writes"), std::string::npos) << t.status().message();
  EXPECT_NE(t.status().hint().find("/insert/42/prometheus"), std::string::npos) << t.status().hint();
  // As the read URL it is welcome, and its process's /metrics is asked for the flags too.
  Result<ImportTarget> r = ResolveImportTarget("http://vminsert:8480/insert/42/prometheus", "",
                                               "http://vmselect:8481/select/42/prometheus");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->read_base, "http://vmselect:8481/select/42/prometheus");
  EXPECT_NE(std::find(r->metrics_urls.begin(), r->metrics_urls.end(), "http://vmselect:8481/metrics"),
            r->metrics_urls.end());
}

TEST(ImportTarget, LoopbackDetection) {
  EXPECT_TRUE(ResolveImportTarget("http://127.0.0.1:8428", "")->is_loopback());
  EXPECT_TRUE(ResolveImportTarget("localhost:8428", "")->is_loopback());
  EXPECT_TRUE(ResolveImportTarget("http://[::1]:8428", "")->is_loopback());
  EXPECT_FALSE(ResolveImportTarget("http://10.0.0.1:8428", "")->is_loopback());
  EXPECT_FALSE(ResolveImportTarget("https://127.0.0.1.example.com", "")->is_loopback());
}

TEST(ImportTarget, CredentialsMoveOutOfTheUrl) {
  Result<ImportTarget> t = ResolveImportTarget("http://alice:s3cret@vm:8428", "");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->url_user, "alice");
  EXPECT_EQ(t->url_password, "s3cret");
  EXPECT_EQ(t->write_url.find("s3cret"), std::string::npos);
}

TEST(ImportOptions, TimeShiftForms) {
  EXPECT_EQ(ParseTimeShift("", "")->mode, TimeShift::Mode::kNone);
  EXPECT_EQ(ParseTimeShift("now", "")->mode, TimeShift::Mode::kNow);
  Result<TimeShift> fixed = ParseTimeShift("-1h30m", "");
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(fixed->fixed_ms, -5'400'000);
  Result<TimeShift> align = ParseTimeShift("align", "2025-01-01T00:00:00Z");
  ASSERT_TRUE(align.ok());
  EXPECT_EQ(align->align_to_ms, 1'735'689'600'000);
  EXPECT_FALSE(ParseTimeShift("align", "").ok());
  EXPECT_FALSE(ParseTimeShift("sideways", "").ok());
}

// A crafted bundle can hold any int64 timestamp; the shift that aligns it must not overflow
// (found while fuzzing the line rewriter; UBSan flagged the same addition there).
TEST(ImportOptions, ShiftForExtremeTimestampsIsClamped) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  TimeShift now;
  now.mode = TimeShift::Mode::kNow;
  EXPECT_EQ(ShiftMillis(now, kMin, kMin, 1'700'000'000'000), kMax);
  EXPECT_EQ(ShiftMillis(now, 0, 1000, 1'700'000'000'000), 1'699'999'999'000);
  TimeShift align;
  align.mode = TimeShift::Mode::kAlign;
  align.align_to_ms = -1'000;
  EXPECT_EQ(ShiftMillis(align, kMax, kMax, 0), kMin);
  EXPECT_EQ(ShiftMillis(align, 1'000, 2'000, 0), -2'000);
}

TEST(ImportOptions, FromPageJsonAndRefusals) {
  ImportOptions o;
  const nlohmann::json config = {
      {"connection", {{"url", "http://vm:8428"}, {"tenant_id", "7"}, {"project_id", "2"},
                      {"auth", {{"type", "basic"}, {"username", "u"}, {"password", "p"}}}, {"skip_tls_verify", true}}},
      {"time_shift", "24h"}, {"drop_labels", {"pod", "node"}}, {"skip_outside_retention", true}, {"strict", true}};
  ASSERT_TRUE(ImportOptionsFromJson(config, &o).ok());
  EXPECT_EQ(o.tenant, "7:2");
  EXPECT_EQ(o.http.basic_user, "u");
  EXPECT_TRUE(o.http.tls_skip_verify);
  EXPECT_EQ(o.time_shift.fixed_ms, 86'400'000);
  EXPECT_EQ(o.drop_labels, (std::vector<std::string>{"pod", "node"}));
  EXPECT_TRUE(o.strict);

  ImportOptions bad;
  Status s = ImportOptionsFromJson({{"drop_labels", {"instance"}}}, &bad);
  EXPECT_NE(s.message().find("cannot drop \"instance\""), std::string::npos) << s.message();
  EXPECT_FALSE(ImportOptionsFromJson({{"connection", {{"auth", {{"type", "kerberos"}}}}}}, &bad).ok());
  // A project ID alone would be dropped silently (the import going to tenant 0): refused.
  Status project = ImportOptionsFromJson({{"connection", {{"url", "http://vm:8428"}, {"project_id", "5"}}}}, &bad);
  EXPECT_EQ(project.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(project.message().find("without a tenant_id"), std::string::npos) << project.message();
  EXPECT_FALSE(ImportOptionsFromJson({{"connection", {{"tls_cert_file", "/c.pem"}}}}, &bad).ok());
  ImportOptions good;
  ASSERT_TRUE(ImportOptionsFromJson({{"connection", {{"tls_ca_file", "/ca.pem"}, {"tls_cert_file", "/c.pem"},
                                                      {"tls_key_file", "/k.pem"}}},
                                     {"max_labels_per_series", 40}},
                                    &good)
                  .ok());
  EXPECT_EQ(good.http.tls_cert_file, "/c.pem");
  EXPECT_EQ(good.http.tls_key_file, "/k.pem");
  EXPECT_EQ(good.max_labels_per_series, 40);
}

TEST(TimeText, RetentionLikeVictoriaMetrics) {
  EXPECT_EQ(*ParseRetentionMs("1"), int64_t{31} * 86'400'000);
  EXPECT_EQ(*ParseRetentionMs("100y"), int64_t{36500} * 86'400'000);
  EXPECT_EQ(*ParseRetentionMs("2w"), int64_t{14} * 86'400'000);
  EXPECT_FALSE(ParseRetentionMs("forever").ok());
  EXPECT_EQ(FormatInstantMs(1'735'689'600'123), "2025-01-01T00:00:00.123Z");
  EXPECT_EQ(FormatInstantMs(-1), "1969-12-31T23:59:59.999Z");
  // The int64 limits (a bundle may hold them) neither overflow nor print a wrong date.
  EXPECT_EQ(FormatInstantMs(std::numeric_limits<int64_t>::min()), "-9223372036854775808ms");
  EXPECT_EQ(FormatInstantMs(std::numeric_limits<int64_t>::max()), "9223372036854775807ms");
  EXPECT_FALSE(ParseRetentionMs("9999999999999999").ok());
}

}  // namespace
}  // namespace vmx::importer
