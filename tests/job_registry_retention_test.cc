// What the registry keeps of clients and jobs that are no longer live:
// folding, tombstones, limits that count only live clients, finished jobs
// aging out, and all of it across a restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "registry/job_registry.h"

namespace progress {
namespace {

using ::testing::HasSubstr;

class RetentionTest : public ::testing::Test {
 protected:
  RegistryOptions Options() {
    RegistryOptions options;
    options.retention.client_ttl = absl::Minutes(10);
    options.retention.tombstone_ttl = absl::Hours(1);
    options.retention.finished_job_ttl = absl::Hours(2);
    options.clock = [this] { return now_; };
    return options;
  }

  // One stream's worth of work: resolve, apply, let go of the cursor.
  static void Report(JobRegistry& registry, const std::string& job,
                     const std::string& client, uint64_t success,
                     uint64_t failure = 0) {
    auto cursor = registry.ResolveCursor(job, client);
    ASSERT_TRUE(cursor.ok()) << cursor.status();
    ASSERT_TRUE(registry.Apply(**cursor, success, failure).ok());
  }

  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

TEST_F(RetentionTest, AnIdleClientIsFoldedAndTheCountsStay) {
  JobRegistry registry(Options());
  Report(registry, "job", "idle", 40, 2);
  Report(registry, "job", "busy", 10);
  now_ += absl::Minutes(9);
  Report(registry, "job", "busy", 20);
  now_ += absl::Minutes(2);  // idle: 11 minutes; busy: 2.
  registry.Sweep();

  const JobSnapshot job = *registry.Get("job");
  EXPECT_EQ(job.success, 60u);
  EXPECT_EQ(job.failure, 2u);
  EXPECT_EQ(job.clients, 2u);
  const RegistryStats stats = registry.Stats();
  EXPECT_EQ(stats.client_cursors, 1u);
  EXPECT_EQ(stats.tombstones, 1u);
  EXPECT_EQ(stats.clients_folded, 1u);
}

TEST_F(RetentionTest, AFoldedClientThatComesBackDoesNotCountTwice) {
  JobRegistry registry(Options());
  Report(registry, "job", "sleeper", 100, 5);
  now_ += absl::Minutes(30);
  registry.Sweep();
  ASSERT_EQ(registry.Stats().tombstones, 1u);

  // It wakes up and resends its cumulative values, then goes on.
  Report(registry, "job", "sleeper", 100, 5);
  EXPECT_EQ(registry.Get("job")->success, 100u);
  Report(registry, "job", "sleeper", 130, 5);
  const JobSnapshot job = *registry.Get("job");
  EXPECT_EQ(job.success, 130u);
  EXPECT_EQ(job.failure, 5u);
  EXPECT_EQ(job.clients, 1u);
  EXPECT_EQ(registry.Stats().tombstones, 0u);
  EXPECT_EQ(registry.Stats().client_cursors, 1u);
}

TEST_F(RetentionTest, AClientAStreamHoldsIsNeverFolded) {
  JobRegistry registry(Options());
  auto held = registry.ResolveCursor("job", "streaming");
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(registry.Apply(**held, 5, 0).ok());
  now_ += absl::Hours(5);
  registry.Sweep();
  EXPECT_EQ(registry.Stats().client_cursors, 1u);
  ASSERT_TRUE(registry.Apply(**held, 9, 0).ok());
  EXPECT_EQ(registry.Get("job")->success, 9u);
}

TEST_F(RetentionTest, AForgottenTombstoneStillCountsItsClientAndValues) {
  JobRegistry registry(Options());
  Report(registry, "job", "gone", 70);
  now_ += absl::Minutes(11);
  registry.Sweep();
  now_ += absl::Minutes(61);
  registry.Sweep();
  const JobSnapshot job = *registry.Get("job");
  EXPECT_EQ(job.success, 70u);
  EXPECT_EQ(job.clients, 1u);
  EXPECT_EQ(registry.Stats().tombstones, 0u);
}

TEST_F(RetentionTest, TheClientLimitCountsOnlyLiveClients) {
  RegistryOptions options = Options();
  options.limits.max_clients_per_job = 2;
  JobRegistry registry(options);
  Report(registry, "job", "a", 1);
  Report(registry, "job", "b", 1);
  EXPECT_THAT(registry.ResolveCursor("job", "c").status().message(),
              HasSubstr("--max_clients_per_job"));
  now_ += absl::Minutes(11);
  registry.Sweep();
  Report(registry, "job", "c", 1);
  Report(registry, "job", "d", 1);
  EXPECT_EQ(registry.Get("job")->success, 4u);
  EXPECT_EQ(registry.Get("job")->clients, 4u);
}

TEST_F(RetentionTest, RetireFoldsAClosingClientAtOnceUnlessAnotherStreamHasIt) {
  JobRegistry registry(Options());
  auto closing = registry.ResolveCursor("job", "w");
  ASSERT_TRUE(closing.ok());
  ASSERT_TRUE(registry.Apply(**closing, 8, 1).ok());
  auto overlapping = registry.ResolveCursor("job", "w");  // A reconnect.
  ASSERT_TRUE(overlapping.ok());
  registry.Retire("w", *std::move(closing));
  EXPECT_EQ(registry.Stats().client_cursors, 1u);

  registry.Retire("w", *std::move(overlapping));
  EXPECT_EQ(registry.Stats().client_cursors, 0u);
  EXPECT_EQ(registry.Stats().tombstones, 1u);
  // A retry of the closing stream, its reply having been lost.
  Report(registry, "job", "w", 8, 1);
  EXPECT_EQ(registry.Get("job")->success, 8u);
  EXPECT_EQ(registry.Get("job")->failure, 1u);
}

TEST_F(RetentionTest, AFinishedJobIsDroppedAfterItsTtlOnceNoStreamHoldsIt) {
  JobRegistry registry(Options());
  Report(registry, "old", "a", 3);
  auto held = registry.ResolveCursor("held", "b");
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(registry.Finish("old").ok());
  ASSERT_TRUE(registry.Finish("held").ok());
  now_ += absl::Minutes(119);
  registry.Sweep();
  EXPECT_TRUE(registry.Get("old").ok());

  now_ += absl::Minutes(2);
  const uint64_t changes = registry.changes();
  registry.Sweep();
  EXPECT_TRUE(absl::IsNotFound(registry.Get("old").status()));
  EXPECT_TRUE(registry.Get("held").ok());
  EXPECT_GT(registry.changes(), changes);
  EXPECT_EQ(registry.Stats().jobs_dropped, 1u);

  held->reset();
  registry.Sweep();
  EXPECT_TRUE(absl::IsNotFound(registry.Get("held").status()));
  EXPECT_EQ(registry.Stats().jobs, 0u);
}

TEST_F(RetentionTest, AClosedClientsTombstoneGoesSoonerThanASilentOnes) {
  JobRegistry registry(Options());
  auto closing = registry.ResolveCursor("job", "closed");
  ASSERT_TRUE(closing.ok());
  ASSERT_TRUE(registry.Apply(**closing, 2, 0).ok());
  registry.Retire("closed", *std::move(closing));
  Report(registry, "job", "silent", 3);
  now_ += absl::Minutes(11);
  registry.Sweep();  // "silent" folds now; "closed" is past --client_ttl.
  EXPECT_EQ(registry.Stats().tombstones, 1u);
  // A long-lived worker that stopped naming the job (the library forgot it)
  // still resumes exactly until --tombstone_ttl.
  now_ += absl::Minutes(45);
  registry.Sweep();
  Report(registry, "job", "silent", 4);
  const JobSnapshot job = *registry.Get("job");
  EXPECT_EQ(job.success, 6u);
  EXPECT_EQ(job.clients, 2u);
}

TEST_F(RetentionTest, ALateIncrementKeepsAFinishedJobForAnotherTtl) {
  JobRegistry registry(Options());
  Report(registry, "job", "a", 1);
  ASSERT_TRUE(registry.Finish("job").ok());
  now_ += absl::Minutes(90);
  Report(registry, "job", "straggler", 4);  // Confirmed to its client.
  now_ += absl::Minutes(60);
  registry.Sweep();
  EXPECT_EQ(registry.Get("job")->success, 5u);
  now_ += absl::Minutes(61);
  registry.Sweep();
  EXPECT_TRUE(absl::IsNotFound(registry.Get("job").status()));
}

TEST_F(RetentionTest, FoldedClientsAndTombstonesSurviveARestart) {
  JobRegistry original(Options());
  Report(original, "job", "folded", 50, 1);
  Report(original, "job", "forgotten", 20);
  now_ += absl::Minutes(11);
  original.Sweep();  // Both folded.
  now_ += absl::Minutes(50);
  Report(original, "job", "forgotten", 20);  // Revived ...
  now_ += absl::Minutes(11);
  // ... and folded again, while "folded"'s tombstone, past its hour, is
  // forgotten.
  original.Sweep();
  Report(original, "job", "live", 7);

  JobRegistry restored(Options());
  ASSERT_TRUE(restored.Restore(original.Records()).ok());
  JobSnapshot job = *restored.Get("job");
  EXPECT_EQ(job.success, 77u);
  EXPECT_EQ(job.failure, 1u);
  EXPECT_EQ(job.clients, 3u);
  EXPECT_EQ(restored.Stats().tombstones, 1u);
  // The tombstone kept in the file still stops a double count.
  Report(restored, "job", "forgotten", 25);
  EXPECT_EQ(restored.Get("job")->success, 82u);
}

TEST_F(RetentionTest, ARestartWithALowerNameLimitKeepsTheJobsItHad) {
  JobRegistry original(Options());
  const std::string long_name(100, 'j');
  Report(original, long_name, "a", 4);
  RegistryOptions lower = Options();
  lower.limits.max_job_name_bytes = 16;
  JobRegistry restored(lower);
  ASSERT_TRUE(restored.Restore(original.Records()).ok());
  EXPECT_EQ(restored.List("", 10).jobs.at(0).success, 4u);
}

TEST_F(RetentionTest, TombstonesAboveTheRetiredSumAreRefused) {
  JobRegistry original(Options());
  Report(original, "job", "a", 10);
  now_ += absl::Minutes(11);
  original.Sweep();
  std::vector<JobRecord> records = original.Records();
  ASSERT_EQ(records.at(0).tombstones.size(), 1u);
  records[0].retired_success = 9;
  JobRegistry restored(Options());
  EXPECT_TRUE(absl::IsOutOfRange(restored.Restore(records)));

  records[0].retired_success = 10;
  records[0].clients.push_back({"a", 1, 0});  // Both live and folded.
  EXPECT_TRUE(absl::IsInvalidArgument(restored.Restore(records)));
}

}  // namespace
}  // namespace progress
