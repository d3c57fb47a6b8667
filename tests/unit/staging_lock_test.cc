#include "application/export/staging_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace vmx {
namespace {

std::string TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "vmx-lock-XXXXXX").string();
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

TEST(StagingLock, HeldWhileItLivesRefusedTwiceFreeAfter) {
  const std::string dir = TempDir();
  EXPECT_FALSE(StagingInUse(dir)) << "never locked";
  {
    Result<StagingLock> lock = StagingLock::Acquire(dir);
    ASSERT_TRUE(lock.ok()) << lock.status().ToString();
    EXPECT_TRUE(StagingInUse(dir));
    // The same process cannot take it twice: a second resume of one export is refused.
    Result<StagingLock> again = StagingLock::Acquire(dir);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.status().code(), StatusCode::kConflict);
    StagingLock moved = std::move(*lock);
    EXPECT_TRUE(StagingInUse(dir)) << "moving keeps it held";
  }
  EXPECT_FALSE(StagingInUse(dir));
  EXPECT_TRUE(StagingLock::Acquire(dir).ok());
  std::filesystem::remove_all(dir);
}

// A process that dies (SIGKILL, a crash) frees the lock: its export can be resumed.
TEST(StagingLock, ADeadProcessHoldsNothing) {
  const std::string dir = TempDir();
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {
    Result<StagingLock> lock = StagingLock::Acquire(dir);
    const char ok = lock.ok() ? '1' : '0';
    (void)!write(ready[1], &ok, 1);
    pause();
    _exit(0);
  }
  char ok = 0;
  ASSERT_EQ(read(ready[0], &ok, 1), 1);
  ASSERT_EQ(ok, '1');
  EXPECT_TRUE(StagingInUse(dir));
  EXPECT_EQ(StagingLock::Acquire(dir).status().code(), StatusCode::kConflict);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(StagingInUse(dir));
  EXPECT_TRUE(StagingLock::Acquire(dir).ok());
  close(ready[0]);
  close(ready[1]);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vmx
