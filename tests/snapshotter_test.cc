// The state file on disk: atomic replacement, the lock, and the snapshotter's
// group commit, failures and shutdown.
#include "state/snapshotter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "state/state_codec.h"
#include "state/state_file.h"

namespace progress {
namespace {

using ::testing::HasSubstr;

class SnapshotterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(
        ::testing::TempDir(), "/snapshotter-", getpid(), "-",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/state";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Adds `success` for a new client of `job`.
  void Add(const std::string& job, const std::string& client,
           uint64_t success) {
    auto cursor = registry_.ResolveCursor(job, client);
    ASSERT_TRUE(cursor.ok()) << cursor.status();
    ASSERT_TRUE(registry_.Apply(**cursor, success, 0).ok());
  }

  StateSnapshot ReadBack() {
    absl::StatusOr<std::string> bytes = ReadWholeFile(path_);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    absl::StatusOr<StateSnapshot> snapshot =
        DecodeStateFile(bytes.ok() ? *bytes : "");
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    return snapshot.ok() ? *snapshot : StateSnapshot{};
  }

  SnapshotterOptions Options() {
    SnapshotterOptions options;
    options.path = path_;
    options.interval = absl::Milliseconds(50);
    return options;
  }

  std::string dir_;
  std::string path_;
  JobRegistry registry_;
};

TEST_F(SnapshotterTest, AFileIsReplacedWholeAndNoTempFileStays) {
  ASSERT_TRUE(WriteFileAtomically(path_, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(path_, "second").ok());
  EXPECT_EQ(*ReadWholeFile(path_), "second");
  EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
}

TEST_F(SnapshotterTest, MissingFilesAndDirectoriesAreNamed) {
  EXPECT_TRUE(absl::IsNotFound(ReadWholeFile(path_).status()));
  absl::Status status = WriteFileAtomically(dir_ + "/gone/state", "x");
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr(dir_ + "/gone/state.tmp"));
}

TEST_F(SnapshotterTest, OneStateFileServesOneDaemon) {
  absl::StatusOr<StateFileLock> first = StateFileLock::Acquire(path_);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<StateFileLock> second = StateFileLock::Acquire(path_);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr("second progressd"));
}

TEST_F(SnapshotterTest, OneWriteAnswersEveryWaitingStream) {
  Snapshotter snapshotter(Options(), &registry_);  // Not started.
  std::atomic<int> answered{0};
  for (int i = 0; i < 20; ++i) {
    Add("job", absl::StrCat("client-", i), 10);
    snapshotter.AwaitDurable([&answered](const absl::Status& durable) {
      EXPECT_TRUE(durable.ok()) << durable;
      answered.fetch_add(1);
    });
  }
  EXPECT_EQ(answered.load(), 0) << "answered before anything was written";
  ASSERT_TRUE(snapshotter.SnapshotNow().ok());
  EXPECT_EQ(answered.load(), 20);
  EXPECT_EQ(snapshotter.stats().written.load(), 1u);
  const StateSnapshot snapshot = ReadBack();
  ASSERT_EQ(snapshot.jobs.size(), 1u);
  EXPECT_EQ(snapshot.jobs[0].clients.size(), 20u);
}

TEST_F(SnapshotterTest, NothingNewSinceTheLastWriteIsAnsweredAtOnce) {
  Snapshotter snapshotter(Options(), &registry_);
  Add("job", "client", 5);
  ASSERT_TRUE(snapshotter.SnapshotNow().ok());
  bool answered = false;
  snapshotter.AwaitDurable(
      [&answered](const absl::Status& durable) { answered = durable.ok(); });
  EXPECT_TRUE(answered);
}

TEST_F(SnapshotterTest, TheThreadWritesForWaitersAndOnItsInterval) {
  Snapshotter snapshotter(Options(), &registry_);
  snapshotter.Start();
  Add("job", "client", 7);
  absl::Notification durable;
  snapshotter.AwaitDurable([&durable](const absl::Status& status) {
    EXPECT_TRUE(status.ok()) << status;
    durable.Notify();
  });
  ASSERT_TRUE(durable.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(ReadBack().jobs.at(0).clients.at(0).success, 7u);

  // No waiter: the interval alone writes what changed.
  Add("job", "other", 3);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (ReadBack().jobs.at(0).clients.size() < 2 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(ReadBack().jobs.at(0).clients.size(), 2u);
  EXPECT_TRUE(snapshotter.Stop().ok());
}

TEST_F(SnapshotterTest, AFailingDiskIsRetriedUntilItWorksAndWaitersWait) {
  SnapshotterOptions options = Options();
  options.path = dir_ + "/later/state";
  Snapshotter snapshotter(options, &registry_);
  snapshotter.Start();
  Add("job", "client", 11);
  absl::Notification durable;
  snapshotter.AwaitDurable([&durable](const absl::Status& status) {
    EXPECT_TRUE(status.ok()) << status;
    durable.Notify();
  });
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (snapshotter.stats().failed.load() < 3 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_GE(snapshotter.stats().failed.load(), 3u);
  EXPECT_FALSE(durable.HasBeenNotified());

  std::filesystem::create_directories(dir_ + "/later");
  ASSERT_TRUE(durable.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_GE(snapshotter.stats().written.load(), 1u);
  EXPECT_TRUE(snapshotter.Stop().ok());
}

TEST_F(SnapshotterTest, ReleaseAnswersWaitersTheDiskCannotServe) {
  SnapshotterOptions options = Options();
  options.path = dir_ + "/never/state";
  Snapshotter snapshotter(options, &registry_);
  Add("job", "client", 1);
  absl::Status answer = absl::OkStatus();
  bool answered = false;
  snapshotter.AwaitDurable([&](const absl::Status& status) {
    answer = status;
    answered = true;
  });
  snapshotter.Release();
  ASSERT_TRUE(answered);
  EXPECT_EQ(answer.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(answer.message(), HasSubstr("could not make these counts"));

  // After the release, later waiters are answered at once.
  Add("job", "late", 1);
  answered = false;
  snapshotter.AwaitDurable([&](const absl::Status& status) {
    answered = true;
    answer = status;
  });
  EXPECT_TRUE(answered);
  EXPECT_TRUE(absl::IsUnavailable(answer));
  EXPECT_FALSE(snapshotter.Stop().ok());
}

TEST_F(SnapshotterTest, StopWritesWhatChangedSinceTheLastSnapshot) {
  Snapshotter snapshotter(Options(), &registry_);
  ASSERT_TRUE(snapshotter.SnapshotNow().ok());
  Add("job", "client", 42);
  ASSERT_TRUE(snapshotter.Stop().ok());
  EXPECT_EQ(ReadBack().jobs.at(0).clients.at(0).success, 42u);
}

}  // namespace
}  // namespace progress
