#include "common/vm_flags.h"

#include <gtest/gtest.h>

namespace vmx {
namespace {

struct Flags {
  CLI::App app{"test", "test"};
  std::string addr = "127.0.0.1:0";
  std::string start;
  bool no_browser = false;
  bool obfuscate = true;
  Flags() {
    app.add_option("--addr", addr, "Listen address")->default_str(addr);
    app.add_option("--start", start, "Start time");
    app.add_flag("--no-browser", no_browser, "Do not open a browser");
    app.add_flag("--obfuscate", obfuscate, "Obfuscate");
  }
  std::optional<int> Parse(std::vector<std::string> args) { return ParseVmFlags(app, args, "usage"); }
};

TEST(VmFlags, AcceptsAllThreeVictoriaMetricsForms) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-addr=127.0.0.1:9000"}, {"-addr", "127.0.0.1:9000"}, {"--addr", "127.0.0.1:9000"},
           {"--addr=127.0.0.1:9000"}}) {
    Flags f;
    EXPECT_EQ(f.Parse(args), std::nullopt);
    EXPECT_EQ(f.addr, "127.0.0.1:9000") << args[0];
  }
}

TEST(VmFlags, ValueStartingWithDashIsNotTakenForAFlag) {
  Flags f;
  EXPECT_EQ(f.Parse({"-start", "-24h", "-no-browser"}), std::nullopt);
  EXPECT_EQ(f.start, "-24h");
  EXPECT_TRUE(f.no_browser);
}

TEST(VmFlags, BooleanFlagTakesExplicitFalse) {
  Flags f;
  EXPECT_EQ(f.Parse({"-obfuscate=false"}), std::nullopt);
  EXPECT_FALSE(f.obfuscate);
}

TEST(VmFlags, UnknownFlagIsBadUsage) {
  Flags f;
  testing::internal::CaptureStderr();
  EXPECT_EQ(f.Parse({"-bogus=1"}), 2);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("-bogus"), std::string::npos) << err;
  EXPECT_NE(err.find("-help"), std::string::npos) << err;
}

TEST(VmFlags, HelpListsEveryFlagInVictoriaMetricsLayout) {
  Flags f;
  testing::internal::CaptureStdout();
  EXPECT_EQ(f.Parse({"-help"}), 0);
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("  -addr string\n    \tListen address (default \"127.0.0.1:0\")\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  -no-browser\n    \tDo not open a browser (default false)\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  -version\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace vmx
