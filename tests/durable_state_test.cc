// progressd with a state file, as a real process: kill -9 in the middle of
// a job, a confirmed Flush() followed by a crash, state files that must stop
// the start, and a state directory that stops being writable (a second
// signal: second_signal_test.cc). Counts must come out exact every time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "fault_test_helpers.h"

namespace progress::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class DurableStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(
        ::testing::TempDir(), "/durable-", getpid(), "-",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    state_ = dir_ + "/progressd.state";
  }
  void TearDown() override {
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
    std::filesystem::remove_all(dir_);
  }

  std::vector<std::string> StateFlags() const {
    return {"--state_file=" + state_, "--snapshot_interval=200ms"};
  }

  std::unique_ptr<Daemon> StartDaemon(int port = 0, bool with_state = true) {
    return std::make_unique<Daemon>(
        with_state ? StateFlags() : std::vector<std::string>{}, port);
  }

  // A worker adding `per_tick` successes `ticks` times, then Flush()ing.
  static std::unique_ptr<ChildProcess> Paced(const Daemon& daemon,
                                             const std::string& job,
                                             int per_tick, int ticks) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{PACED_WORKER_PATH, job,
                                 std::to_string(per_tick),
                                 std::to_string(ticks), "10"},
        std::vector<std::string>{"PROGRESS_TRACKER_ADDRESS=" +
                                 daemon.address()});
  }

  // What a paced worker says it sent once its Flush() returned OK.
  static uint64_t Sent(ChildProcess& worker) {
    EXPECT_EQ(worker.WaitForExit(absl::Seconds(60)), 0) << worker.output();
    const std::string output = worker.output();
    const size_t at = output.find("SENT ");
    uint64_t sent = 0;
    if (at == std::string::npos ||
        !absl::SimpleAtoi(output.substr(at + 5, output.find('\n', at) - at - 5),
                          &sent)) {
      ADD_FAILURE() << "no SENT line: " << output;
    }
    return sent;
  }

  // Runs progressd on `state_`, expecting it to refuse to start.
  static std::pair<std::optional<int>, std::string> StartRefused(
      const std::string& state) {
    ChildProcess daemon({PROGRESSD_PATH, "--listen=127.0.0.1:0",
                         "--metrics_listen=", "--state_file=" + state});
    std::optional<int> code = daemon.WaitForExit(absl::Seconds(20));
    return {code, daemon.output()};
  }

  struct CrashOutcome {
    uint64_t early = 0;  // Sent by workers that exited before the kill.
    uint64_t late = 0;   // Sent by workers running through it.
    std::optional<JobInfo> counts;

    void Print(const char* mode) const {
      std::printf(
          "kill -9 %s: workers sent %llu (%llu by workers that exited before "
          "the kill, %llu after); daemon holds %llu\n",
          mode, static_cast<unsigned long long>(early + late),
          static_cast<unsigned long long>(early),
          static_cast<unsigned long long>(late),
          static_cast<unsigned long long>(counts->success));
    }
  };

  // Half the workers finish and exit, then the daemon dies by kill -9 while
  // the others work, and restarts on the same port (from its state file, if
  // it has one). Workers that exited before cannot resend anything.
  CrashOutcome KillMidJob(bool with_state) {
    CrashOutcome outcome;
    std::unique_ptr<Daemon> daemon = StartDaemon(0, with_state);
    std::vector<std::unique_ptr<ChildProcess>> early;
    for (int i = 0; i < 3; ++i) {
      early.push_back(Paced(*daemon, "crash-job", 7 + i, 30));
    }
    for (auto& worker : early) outcome.early += Sent(*worker);

    std::vector<std::unique_ptr<ChildProcess>> late;
    for (int i = 0; i < 3; ++i) {
      late.push_back(Paced(*daemon, "crash-job", 5 + i, 200));
    }
    absl::SleepFor(absl::Milliseconds(700));
    const int port = Kill(daemon);
    absl::SleepFor(absl::Milliseconds(300));
    daemon = StartDaemon(port, with_state);
    EXPECT_EQ(daemon->port(), port);
    for (auto& worker : late) outcome.late += Sent(*worker);
    outcome.counts = CountsOn(*daemon, "crash-job");
    return outcome;
  }

  std::string dir_;
  std::string state_;
};

TEST_F(DurableStateTest, KillNineMidJobLosesNothingWithAStateFile) {
  const CrashOutcome crash = KillMidJob(/*with_state=*/true);
  ASSERT_TRUE(crash.counts.has_value());
  crash.Print("with a state file");
  EXPECT_EQ(crash.counts->success, crash.early + crash.late);
  EXPECT_EQ(crash.counts->failure, 0u);
  EXPECT_FALSE(crash.counts->done) << "a running job came back finished";
}

TEST_F(DurableStateTest, WithoutAStateFileOnlyLiveClientsRecover) {
  const CrashOutcome crash = KillMidJob(/*with_state=*/false);
  ASSERT_TRUE(crash.counts.has_value());
  crash.Print("without a state file");
  // The live workers resent their cumulative counts; the exited ones went
  // with the daemon's memory, as the README says.
  EXPECT_EQ(crash.counts->success, crash.late);
}

TEST_F(DurableStateTest, AConfirmedFlushSurvivesAKillRightAfterIt) {
  std::unique_ptr<Daemon> daemon = StartDaemon();
  uint64_t confirmed = 0;
  for (int round = 0; round < 5; ++round) {
    auto worker = Paced(*daemon, "flushed", 3 + round, 5);
    confirmed += Sent(*worker);  // Its Flush() returned OK, and it exited.
    const int port = Kill(daemon);
    daemon = StartDaemon(port);
    // No client is left to resend: whatever is there came from the file.
    std::optional<JobInfo> counts = CountsOn(*daemon, "flushed");
    ASSERT_TRUE(counts.has_value()) << "round " << round;
    EXPECT_EQ(counts->success, confirmed) << "round " << round;
  }
}

TEST_F(DurableStateTest, ADamagedOrForeignStateFileStopsTheStart) {
  {
    std::unique_ptr<Daemon> daemon = StartDaemon();
    auto worker = Paced(*daemon, "kept", 10, 3);
    ASSERT_EQ(Sent(*worker), 30u);
    daemon->process().Signal(SIGTERM);
    ASSERT_EQ(daemon->process().WaitForExit(absl::Seconds(20)), 0);
  }
  std::ifstream in(state_, std::ios::binary);
  const std::string good((std::istreambuf_iterator<char>(in)), {});
  ASSERT_GT(good.size(), 24u);
  std::string flipped = good;
  flipped[good.size() - 3] ^= 0x10;
  std::string version = good;
  version[8] = 9;
  struct Case {
    const char* what;
    std::string bytes;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"truncated", good.substr(0, good.size() - 5), "truncated"},
      {"corrupt", flipped, "checksum mismatch"},
      {"wrong version", version, "format version 9"},
      {"not a state file", "hello\n", "not a progressd state file"},
  };
  for (const Case& c : cases) {
    { std::ofstream(state_, std::ios::binary | std::ios::trunc) << c.bytes; }
    auto [code, output] = StartRefused(state_);
    EXPECT_EQ(code, 3) << c.what << ": " << output;
    EXPECT_THAT(output, HasSubstr("state file " + state_)) << c.what;
    EXPECT_THAT(output, HasSubstr(c.says)) << c.what;
    EXPECT_THAT(output, HasSubstr("move the file aside")) << c.what;
    std::ifstream after(state_, std::ios::binary);
    EXPECT_EQ(std::string((std::istreambuf_iterator<char>(after)), {}), c.bytes)
        << c.what << ": the file must be left as it was";
  }

  // A path that cannot be read as a file: not damaged, so the hint to move
  // it aside would be wrong.
  std::filesystem::remove(state_);
  std::filesystem::create_directory(state_);
  auto [code, output] = StartRefused(state_);
  EXPECT_EQ(code, 3) << output;
  EXPECT_THAT(output, HasSubstr("cannot read " + state_));
  EXPECT_THAT(output, Not(HasSubstr("move the file aside")));

  // A link to a volume that is not mounted is no first start.
  std::filesystem::remove(state_);
  std::filesystem::create_symlink(dir_ + "/unmounted/progressd.state", state_);
  std::tie(code, output) = StartRefused(state_);
  EXPECT_EQ(code, 3) << output;
  EXPECT_THAT(output, HasSubstr("which does not exist"));
}

TEST_F(DurableStateTest, ASecondDaemonOnTheSameStateFileIsRefused) {
  std::unique_ptr<Daemon> first = StartDaemon();
  auto [code, output] = StartRefused(state_);
  EXPECT_EQ(code, 3) << output;
  EXPECT_THAT(output, HasSubstr("second progressd"));
  EXPECT_THAT(output, Not(HasSubstr("move the file aside")));
}

TEST_F(DurableStateTest, AnUnwritableStateDirectoryIsRetriedWhileServing) {
  // Root writes anywhere, so the daemon runs as nobody when we are root.
  std::vector<std::string> launcher;
  if (geteuid() == 0) {
    ASSERT_EQ(chown(dir_.c_str(), 65534, 65534), 0);
    launcher = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups"};
  }
  auto daemon =
      std::make_unique<Daemon>(StateFlags(), 0, PROGRESSD_PATH, launcher);
  auto before = Paced(*daemon, "disk", 10, 3);
  ASSERT_EQ(Sent(*before), 30u);

  ASSERT_EQ(chmod(dir_.c_str(), 0555), 0);
  // Its Flush() cannot be confirmed until a snapshot holds its counts.
  auto during = Paced(*daemon, "disk", 5, 3);
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (UnlabelledMetric(
             *daemon, "progress_tracker_state_snapshot_failures_total") < 2 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_GE(UnlabelledMetric(*daemon,
                             "progress_tracker_state_snapshot_failures_total"),
            2);
  // Still serving, and counting what it cannot yet write.
  EXPECT_TRUE(TimeUntilCounts(*daemon, "disk", 45, 0, absl::Seconds(10)));
  EXPECT_FALSE(during->WaitForExit(absl::Milliseconds(200)).has_value())
      << "Flush() was confirmed though nothing durable held it: "
      << during->output();
  EXPECT_THAT(daemon->process().output(),
              HasSubstr("cannot snapshot to state file " + state_));

  const double written =
      UnlabelledMetric(*daemon, "progress_tracker_state_snapshots_total");
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  EXPECT_EQ(Sent(*during), 15u);
  EXPECT_GT(UnlabelledMetric(*daemon, "progress_tracker_state_snapshots_total"),
            written);
  EXPECT_THAT(daemon->process().output(), HasSubstr("written again"));

  const int port = Kill(daemon);
  daemon =
      std::make_unique<Daemon>(StateFlags(), port, PROGRESSD_PATH, launcher);
  std::optional<JobInfo> counts = CountsOn(*daemon, "disk");
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->success, 45u);
}

}  // namespace
}  // namespace progress::testing
