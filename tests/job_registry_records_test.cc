// What the registry keeps across a restart: its records, restoring them, and
// the change count the snapshotter relies on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "registry/job_registry.h"

namespace progress {
namespace {

using ::testing::HasSubstr;

void Apply(JobRegistry& registry, const std::string& job,
           const std::string& client, uint64_t success, uint64_t failure) {
  auto cursor = registry.ResolveCursor(job, client);
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  ASSERT_TRUE(registry.Apply(**cursor, success, failure).ok());
}

TEST(JobRegistryRecordsTest, ARestoredRegistryReadsAsTheOriginal) {
  JobRegistry original;
  ASSERT_TRUE(original.Start("etl", 500).ok());
  Apply(original, "etl", "a", 100, 3);
  Apply(original, "etl", "b", 40, 0);
  Apply(original, "done", "a", 7, 1);
  ASSERT_TRUE(original.Finish("done").ok());

  JobRegistry restored;
  ASSERT_TRUE(restored.Restore(original.Records()).ok());
  for (const char* name : {"etl", "done"}) {
    const JobSnapshot before = *original.Get(name);
    const JobSnapshot after = *restored.Get(name);
    EXPECT_EQ(after.success, before.success) << name;
    EXPECT_EQ(after.failure, before.failure) << name;
    EXPECT_EQ(after.expected_total, before.expected_total) << name;
    EXPECT_EQ(after.clients, before.clients) << name;
    EXPECT_EQ(after.done, before.done) << name;
    EXPECT_EQ(after.created_time, before.created_time) << name;
    EXPECT_EQ(after.first_update_time, before.first_update_time) << name;
    EXPECT_EQ(after.last_update_time, before.last_update_time) << name;
    EXPECT_EQ(after.finish_time, before.finish_time) << name;
    EXPECT_EQ(after.recent_rate, 0.0) << name;
  }
  EXPECT_EQ(restored.Get("etl")->success, 140u);
}

TEST(JobRegistryRecordsTest, AClientResendingAfterARestoreAddsOnlyWhatIsNew) {
  JobRegistry original;
  Apply(original, "job", "worker", 100, 10);
  JobRegistry restored;
  ASSERT_TRUE(restored.Restore(original.Records()).ok());
  Apply(restored, "job", "worker", 100, 10);  // What a reconnect resends.
  EXPECT_EQ(restored.Get("job")->success, 100u);
  Apply(restored, "job", "worker", 130, 10);
  EXPECT_EQ(restored.Get("job")->success, 130u);
  EXPECT_EQ(restored.Get("job")->failure, 10u);
}

TEST(JobRegistryRecordsTest, BadRecordsAreRefusedAndLeaveNothing) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  JobRecord good;
  good.name = "good";
  good.clients = {{"a", 1, 0}};
  struct Case {
    const char* what;
    JobRecord bad;
    absl::StatusCode code;
    const char* message;
  };
  JobRecord bad_name = good;
  bad_name.name = "bad name";
  JobRecord bad_client = good;
  bad_client.clients = {{"", 1, 0}};
  JobRecord twice = good;
  twice.clients = {{"a", 1, 0}, {"a", 2, 0}};
  JobRecord overflow = good;
  overflow.name = "huge";
  overflow.clients = {{"a", kMax, 0}, {"b", 1, 0}};
  const std::vector<Case> cases = {
      {"bad job name", bad_name, absl::StatusCode::kInvalidArgument, "job"},
      {"empty client id", bad_client, absl::StatusCode::kInvalidArgument,
       "client id"},
      {"client twice", twice, absl::StatusCode::kInvalidArgument,
       "appears twice"},
      {"job twice", good, absl::StatusCode::kInvalidArgument, "appears twice"},
      {"sums overflow", overflow, absl::StatusCode::kOutOfRange, "2^64"},
  };
  for (const Case& c : cases) {
    JobRegistry registry;
    absl::Status status = registry.Restore({good, c.bad});
    EXPECT_EQ(status.code(), c.code) << c.what << ": " << status;
    EXPECT_THAT(status.message(), HasSubstr(c.message)) << c.what;
    EXPECT_EQ(registry.Stats().jobs, 0u) << c.what;
  }
}

TEST(JobRegistryRecordsTest, OnlyAnEmptyRegistryIsRestored) {
  JobRegistry registry;
  Apply(registry, "job", "a", 1, 0);
  EXPECT_EQ(registry.Restore({}).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(JobRegistryRecordsTest, EveryChangeASnapshotWouldShowIsCounted) {
  JobRegistry registry;
  uint64_t before = registry.changes();
  auto changed = [&](const char* what) {
    const uint64_t now = registry.changes();
    EXPECT_GT(now, before) << what;
    before = now;
  };
  auto cursor = registry.ResolveCursor("job", "a");
  ASSERT_TRUE(cursor.ok());
  changed("a new job and client");
  ASSERT_TRUE(registry.Apply(**cursor, 5, 0).ok());
  changed("an increment");
  ASSERT_TRUE(registry.Apply(**cursor, 5, 0).ok());
  EXPECT_EQ(registry.changes(), before) << "a duplicate changes nothing";
  ASSERT_TRUE(registry.Apply(**cursor, 4, 0).ok());
  EXPECT_EQ(registry.changes(), before) << "a regression changes nothing";
  ASSERT_TRUE(registry.Start("job", 100).ok());
  changed("an expected total");
  ASSERT_TRUE(registry.Finish("job").ok());
  changed("a finish");
  ASSERT_TRUE(registry.Finish("job").ok());
  EXPECT_EQ(registry.changes(), before) << "finishing twice changes nothing";
}

}  // namespace
}  // namespace progress
