// A second SIGTERM during progressd's graceful shutdown ends it at once,
// after a last snapshot of its state file, and even while a write to that
// file is stuck (a dead disk, a hung network mount).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "fault_test_helpers.h"

namespace progress::testing {
namespace {

using ::testing::HasSubstr;

class SecondSignalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(
        ::testing::TempDir(), "/second-signal-", getpid(), "-",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    state_ = dir_ + "/progressd.state";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A daemon whose graceful shutdown would wait a minute for open streams.
  std::unique_ptr<Daemon> Start(const std::string& interval) {
    return std::make_unique<Daemon>(std::vector<std::string>{
        "--state_file=" + state_, "--snapshot_interval=" + interval,
        "--shutdown_grace=60s"});
  }

  std::string dir_;
  std::string state_;
};

TEST_F(SecondSignalTest, ItEndsTheGraceAtOnceAfterALastSnapshot) {
  // Only the last snapshot can hold the counts: the interval is too long
  // for any other, and the worker never flushes.
  std::unique_ptr<Daemon> daemon = Start("1h");
  ChildProcess idle =
      Worker(FAULT_WORKER_PATH, *daemon, {"idle", "signalled", "12", "1"});
  ASSERT_TRUE(TimeUntilCounts(*daemon, "signalled", 12, 1, absl::Seconds(10)));
  // Its open stream would hold a graceful shutdown for the whole minute.
  daemon->process().Signal(SIGTERM);
  EXPECT_FALSE(
      daemon->process().WaitForExit(absl::Milliseconds(500)).has_value());
  daemon->process().Signal(SIGTERM);
  EXPECT_EQ(daemon->process().WaitForExit(absl::Seconds(10)), 0)
      << daemon->process().output();
  EXPECT_THAT(daemon->process().output(), HasSubstr("after a last snapshot"));
  idle.Signal(SIGKILL);
  idle.WaitForExit(absl::Seconds(10));

  Daemon restarted({"--state_file=" + state_});
  std::optional<JobInfo> counts = CountsOn(restarted, "signalled");
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->success, 12u);
  EXPECT_EQ(counts->failure, 1u);
}

TEST_F(SecondSignalTest, ItEndsEvenWhileAStateFileWriteIsStuck) {
  std::unique_ptr<Daemon> daemon = Start("100ms");
  ASSERT_GT(daemon->port(), 0);
  // Where the next snapshot goes first: opening a FIFO for writing waits
  // for a reader that never comes, as a write to a dead disk would.
  ASSERT_EQ(mkfifo((state_ + ".tmp").c_str(), 0600), 0);
  ChildProcess worker =
      Worker(FAULT_WORKER_PATH, *daemon, {"idle", "stuck", "5", "0"});
  ASSERT_TRUE(TimeUntilCounts(*daemon, "stuck", 5, 0, absl::Seconds(10)));
  absl::SleepFor(absl::Milliseconds(500));  // The snapshotter is stuck now.

  daemon->process().Signal(SIGTERM);
  EXPECT_FALSE(
      daemon->process().WaitForExit(absl::Milliseconds(500)).has_value());
  daemon->process().Signal(SIGTERM);
  const absl::Time signalled = absl::Now();
  EXPECT_EQ(daemon->process().WaitForExit(absl::Seconds(20)), 4)
      << daemon->process().output();
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(10));
  EXPECT_THAT(daemon->process().output(),
              HasSubstr("a write to the state file is stuck"));
  worker.Signal(SIGKILL);
  worker.WaitForExit(absl::Seconds(10));
}

}  // namespace
}  // namespace progress::testing
