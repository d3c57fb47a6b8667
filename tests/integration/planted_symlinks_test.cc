// Symlinks another local user plants in vmexporter's output directory (issue 15): the old
// fixed-name write probe, "<archive>.zip.part" and "<archive>.zip.sha256.part" pointing at a
// victim file, and a finished bundle swapped for a link to a secret. The real binary exports from
// a real victoria-metrics; every victim must stay intact and the swapped bundle must not be served.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "domain/time_range.h"
#include "support/vm_harness.h"

namespace vmx::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class PlantedSymlinks : public ::testing::Test {
 protected:
  void SetUp() override {
    const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    start_s_ = now_s - 3600;
    std::string lines;
    for (int s = 0; s < 3; ++s) {
      lines += R"({"metric":{"__name__":"planted_probe","job":"t","i":")" + std::to_string(s) +
               R"("},"values":[1,2],"timestamps":[)" + std::to_string((start_s_ + 60) * 1000) +
               "," + std::to_string((start_s_ + 120) * 1000) + "]}\n";
    }
    vm_.Import(lines);
    victim_ = victims_.path() + "/victim";
    std::ofstream(victim_) << kVictimText;
    server_ = std::make_unique<ServerBinary>(VmexporterBinary(),
                                             std::vector<std::string>{"-output", out_.path()});
    ASSERT_FALSE(server_->printed_url().empty());
  }

  json Config(const std::string& archive_name) const {
    return {{"connection", {{"url", vm_.url()}}},
            {"time_range",
             {{"start", FormatRfc3339(start_s_ * 1000)},
              {"end", FormatRfc3339((start_s_ + 600) * 1000)}}},
            {"mode", "custom"},
            {"query", "{__name__=\"planted_probe\"}"},
            {"staging_dir", staging_.path()},
            {"obfuscation", {{"enabled", false}}},
            {"output_settings", {{"archive_name", archive_name}}}};
  }

  // Runs an export to its end; returns its final status.
  json Export(const std::string& archive_name) const {
    const HttpAnswer start = server_->Api("POST", "/api/export/start", Config(archive_name).dump());
    EXPECT_EQ(start.status, 200) << start.body;
    const std::string id = json::parse(start.body, nullptr, false).value("job_id", "");
    json status;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      status = json::parse(server_->Api("GET", "/api/export/status?id=" + id).body, nullptr, false);
      const std::string state = status.value("state", "");
      if (state != "pending" && state != "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return status;
  }

  static constexpr const char* kVictimText = "do not touch\n";
  VmSingle vm_;
  TempDir out_;
  TempDir staging_;
  TempDir victims_;
  std::string victim_;
  int64_t start_s_ = 0;
  std::unique_ptr<ServerBinary> server_;
};

// Before: out/.vmexporter-write-probe -> victim truncated the victim at every export start, and
// planted.zip.part / planted.zip.sha256.part -> victim were overwritten with the ZIP / checksum.
TEST_F(PlantedSymlinks, PlantedLinksLeaveTheirTargetsIntact) {
  ASSERT_EQ(symlink(victim_.c_str(), (out_.path() + "/.vmexporter-write-probe").c_str()), 0);
  ASSERT_EQ(symlink(victim_.c_str(), (out_.path() + "/planted.zip.part").c_str()), 0);
  ASSERT_EQ(symlink(victim_.c_str(), (out_.path() + "/planted.zip.sha256.part").c_str()), 0);
  const json status = Export("planted.zip");
  EXPECT_EQ(status.value("state", ""), "completed") << status.dump();
  EXPECT_EQ(ReadAll(victim_), kVictimText);
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(out_.path() + "/planted.zip")));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(out_.path() + "/planted.zip.sha256")));
  EXPECT_EQ(ReadAll(out_.path() + "/planted.zip").rfind("PK", 0), 0u);
}

// Before: a finished bundle replaced by a symlink to /etc/shadow was served (200, its content).
TEST_F(PlantedSymlinks, SwappedBundleIsNotServed) {
  const json status = Export("swapped.zip");
  ASSERT_EQ(status.value("state", ""), "completed") << status.dump();
  ASSERT_EQ(server_->Api("GET", "/api/download?path=swapped.zip").status, 200);

  const std::string bundle = out_.path() + "/swapped.zip";
  ASSERT_EQ(unlink(bundle.c_str()), 0);
  ASSERT_EQ(symlink(victim_.c_str(), bundle.c_str()), 0);
  HttpAnswer a = server_->Api("GET", "/api/download?path=swapped.zip");
  EXPECT_EQ(a.status, 404) << a.body;
  EXPECT_EQ(a.body.find("do not touch"), std::string::npos);

  // Another regular file under the same name is not the one this process wrote either.
  ASSERT_EQ(unlink(bundle.c_str()), 0);
  std::ofstream(bundle) << "PK other file";
  a = server_->Api("GET", "/api/download?path=swapped.zip");
  EXPECT_EQ(a.status, 404) << a.body;
}

// Before: a NUL lost the bundle and '"' broke Content-Disposition.
TEST_F(PlantedSymlinks, ArchiveNameIsAPlainFileName) {
  for (const std::string& bad :
       {std::string("a\0b.zip", 7), std::string("a\".zip"), std::string("../x.zip"),
        std::string("a b.zip"), std::string("..")}) {
    const HttpAnswer a = server_->Api("POST", "/api/export/start", Config(bad).dump());
    EXPECT_EQ(a.status, 400) << a.body;
    EXPECT_NE(a.body.find("archive_name"), std::string::npos) << a.body;
  }
}

}  // namespace
}  // namespace vmx::testing
