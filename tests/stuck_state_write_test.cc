// A state-file write that never returns (a dead disk, a hung network mount)
// must not keep progressd from stopping when asked twice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "fault_test_helpers.h"

namespace progress::testing {
namespace {

using ::testing::HasSubstr;

TEST(StuckStateWriteTest, ASecondSignalEndsEvenWhileAWriteIsStuck) {
  const std::string dir =
      absl::StrCat(::testing::TempDir(), "/stuck-write-", getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string state = dir + "/progressd.state";
  Daemon daemon({"--state_file=" + state, "--snapshot_interval=100ms",
                 "--shutdown_grace=60s"});
  ASSERT_GT(daemon.port(), 0);
  // Where the next snapshot goes first: opening a FIFO for writing waits
  // for a reader that never comes, as a write to a dead disk would.
  ASSERT_EQ(mkfifo((state + ".tmp").c_str(), 0600), 0);
  ChildProcess worker =
      Worker(FAULT_WORKER_PATH, daemon, {"idle", "stuck", "5", "0"});
  ASSERT_TRUE(TimeUntilCounts(daemon, "stuck", 5, 0, absl::Seconds(10)));
  absl::SleepFor(absl::Milliseconds(500));  // The snapshotter is stuck now.

  daemon.process().Signal(SIGTERM);
  EXPECT_FALSE(
      daemon.process().WaitForExit(absl::Milliseconds(500)).has_value());
  daemon.process().Signal(SIGTERM);
  const absl::Time signalled = absl::Now();
  EXPECT_EQ(daemon.process().WaitForExit(absl::Seconds(20)), 4)
      << daemon.process().output();
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(10));
  EXPECT_THAT(daemon.process().output(),
              HasSubstr("a write to the state file is stuck"));
  worker.Signal(SIGKILL);
  worker.WaitForExit(absl::Seconds(10));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace progress::testing
