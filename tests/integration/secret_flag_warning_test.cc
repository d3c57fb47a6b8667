// A password, token or header given as a flag is visible to every local user in `ps`; both
// binaries say so on one stderr line that names the environment variable to use instead, and say
// nothing when the secret comes from that variable.
#include <gtest/gtest.h>

#include <string>

#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

// An address nothing listens on: the command fails fast after parsing its flags.
std::string DeadUrl() { return "http://127.0.0.1:" + std::to_string(FreePort()); }

TEST(SecretFlagWarning, BothBinariesWarnAboutSecretsOnTheCommandLine) {
  struct Case {
    std::string command;
    std::string flag;
    std::string env;
  };
  const Case cases[] = {
      {VmexporterBinary() +
           " export -output=/nonexistent-dir -since=1h -password=s3cret -username=u",
       "-password", "VMEXPORTER_PASSWORD"},
      {VmexporterBinary() + " export -output=/nonexistent-dir -since=1h -bearer-token s3cret",
       "-bearer-token", "VMEXPORTER_BEARER_TOKEN"},
      {VmexporterBinary() + " export -output=/nonexistent-dir -since=1h '-header=X-Key: s3cret'",
       "-header", "VMEXPORTER_HEADER"},
      {VmimportBinary() + " import -password=s3cret -username=u /nonexistent.zip", "-password",
       "VMIMPORT_PASSWORD"},
      {VmimportBinary() + " import -bearer-token=s3cret /nonexistent.zip", "-bearer-token",
       "VMIMPORT_BEARER_TOKEN"},
      {VmimportBinary() + " import '-header=X-Key: s3cret' /nonexistent.zip", "-header",
       "VMIMPORT_HEADER"},
  };
  for (const Case& c : cases) {
    const CommandRun r = RunCommand(c.command + " -url=" + DeadUrl());
    const std::string line = "warning: " + c.flag +
                             " on the command line is visible to other local users (ps); set " +
                             c.env + " instead\n";
    EXPECT_NE(r.err.find(line), std::string::npos) << c.command << "\n" << r.err;
    EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << r.err;
  }
  const CommandRun from_env =
      RunCommand("VMIMPORT_PASSWORD=s3cret " + VmimportBinary() +
                 " import -username=u -url=" + DeadUrl() + " /nonexistent.zip");
  EXPECT_EQ(from_env.err.find("warning:"), std::string::npos) << from_env.err;
}

}  // namespace
}  // namespace vmx::testing
