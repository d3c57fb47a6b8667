#include "cli/export_flags.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "common/vm_flags.h"
#include "support/vm_harness.h"

namespace vmx {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

struct Parsed {
  CLI::App app{"export", "export"};
  ExportFlags flags;
  std::optional<int> exit_code;
  explicit Parsed(const std::vector<std::string>& args) {
    AddExportFlags(app, flags);
    exit_code = ParseVmFlags(app, args, "usage");
  }
  Result<ExportConfig> Build() { return BuildExportConfig(app, flags, kNow); }
};

TEST(ExportFlags, DefaultsAreTheLastHourWithObfuscationOn) {
  Parsed p({"-url=http://127.0.0.1:8428"});
  ASSERT_EQ(p.exit_code, std::nullopt);
  Result<ExportConfig> c = p.Build();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->time_range.end_ms, kNow);
  EXPECT_EQ(c->time_range.start_ms, kNow - 3'600'000);
  EXPECT_TRUE(c->obfuscation.enabled);
  EXPECT_TRUE(c->obfuscation.deep_scrub);
  EXPECT_EQ(c->metric_step_seconds, 0);
  EXPECT_EQ(c->mode, ExportMode::kCluster);
}

TEST(ExportFlags, EveryFormOfTheFlagsMapsToTheConfig) {
  Parsed p({"--url", "http://h:8481/select/0/prometheus", "-username=u", "-password", "p",
            "-start", "-24h", "-end=now", "-jobs=a,b", "-obfuscate-labels=pod,node",
            "-drop-labels", "namespace", "-metric-step=30s", "-batch-window=1h",
            "-obfuscation-key=k", "-staging-dir=/tmp/s", "-archive-name=x.zip"});
  ASSERT_EQ(p.exit_code, std::nullopt);
  Result<ExportConfig> c = p.Build();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->connection.auth.type, AuthType::kBasic);
  EXPECT_EQ(c->connection.auth.password, "p");
  EXPECT_EQ(c->time_range.start_ms, kNow - 86'400'000);
  EXPECT_EQ(c->jobs, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c->obfuscation.custom_labels, (std::vector<std::string>{"pod", "node"}));
  EXPECT_EQ(c->obfuscation.drop_labels, std::vector<std::string>{"namespace"});
  EXPECT_EQ(c->obfuscation.key, "k");
  EXPECT_EQ(c->metric_step_seconds, 30);
  EXPECT_EQ(c->batching.strategy, "custom");
  EXPECT_EQ(c->batching.custom_interval_seconds, 3600);
  EXPECT_EQ(c->staging_dir, "/tmp/s");
  EXPECT_EQ(c->archive_name, "x.zip");
}

TEST(ExportFlags, HeaderAndBearerAuth) {
  Parsed h({"-url=http://h", "-header=X-Scope-OrgID: 42"});
  Result<ExportConfig> c = h.Build();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->connection.auth.type, AuthType::kHeader);
  EXPECT_EQ(c->connection.auth.header_name, "X-Scope-OrgID");
  EXPECT_EQ(c->connection.auth.header_value, "42");
  Parsed b({"-url=http://h", "-bearer-token=t0k"});
  EXPECT_EQ(b.Build()->connection.auth.token, "t0k");
}

TEST(ExportFlags, SecretsComeFromTheEnvironment) {
  setenv("VMEXPORTER_PASSWORD", "from-env", 1);
  Parsed p({"-url=http://h", "-username=u"});
  unsetenv("VMEXPORTER_PASSWORD");
  Result<ExportConfig> c = p.Build();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->connection.auth.password, "from-env");
}

TEST(ExportFlags, SelectorAndQueryModes) {
  Parsed s({"-url=http://h", "-selector={job=\"vmagent\"}"});
  Result<ExportConfig> c = s.Build();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->mode, ExportMode::kCustom);
  EXPECT_EQ(c->query_type, QueryType::kSelector);
  EXPECT_EQ(c->query, "{job=\"vmagent\"}");
  Parsed q({"-url=http://h", "-query=rate(x[5m])"});
  EXPECT_EQ(q.Build()->query_type, QueryType::kMetricsQL);
}

TEST(ExportFlags, ConfigFileWithFlagsOverriding) {
  const vmx::testing::TempDir dir;  // private: parallel runs never share the file
  const std::string path = dir.path() + "/cfg.json";
  std::ofstream(path) << R"({"connection":{"url":"http://file:8428"},
    "time_range":{"start":"2023-11-14T21:13:20Z","end":"2023-11-14T22:13:20Z"},
    "obfuscation":{"enabled":false},"metric_step_seconds":60})";
  Parsed p({"-config", path, "-url=http://flag:8428"});
  Result<ExportConfig> c = p.Build();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->connection.url, "http://flag:8428");
  EXPECT_EQ(c->time_range.end_ms, 1'700'000'000'000);
  EXPECT_FALSE(c->obfuscation.enabled);
  EXPECT_EQ(c->metric_step_seconds, 60);

  Parsed o({"-oneshot", "-oneshot-config", path});
  ASSERT_TRUE(o.Build().ok());
}

TEST(ExportFlags, BadValuesNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    const char* expected;
  };
  for (const Case& c : std::vector<Case>{
           {{"-start=yesterday"}, "-start"},
           {{"-end=soon"}, "-end"},
           {{"-since=forever"}, "-since"},
           {{"-metric-step=fast"}, "-metric-step"},
           {{"-batch-window=0s"}, "-batch-window"},
           {{"-header=novalue"}, "-header"},
           {{"-start=-1h", "-end=-2h"}, "-end must be after -start"},
           {{"-selector=x", "-query=y"}, "-selector and -query"},
           {{"-config=/nonexistent/cfg.json"}, "-config"},
       }) {
    std::vector<std::string> args = c.args;
    args.push_back("-url=http://h");
    Parsed p(args);
    ASSERT_EQ(p.exit_code, std::nullopt);
    Result<ExportConfig> r = p.Build();
    ASSERT_FALSE(r.ok()) << c.expected;
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos) << r.status().message();
  }
  Parsed nourl({});
  EXPECT_NE(nourl.Build().status().message().find("-url is required"), std::string::npos);
}

}  // namespace
}  // namespace vmx
