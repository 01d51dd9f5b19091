#include "registry/job_registry.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "test_registry.h"

namespace progress {
namespace {

using JobRegistryTest = ::progress::testing::RegistryTest;

TEST_F(JobRegistryTest, AppliesCumulativeValuesOnce) {
  auto cursor = Cursor("etl", "worker-1");
  ASSERT_TRUE(registry_->Apply(*cursor, 10, 1).ok());
  ASSERT_TRUE(registry_->Apply(*cursor, 25, 3).ok());
  const JobSnapshot job = Get("etl");
  EXPECT_EQ(job.success, 25u);
  EXPECT_EQ(job.failure, 3u);
  EXPECT_EQ(job.clients, 1u);
}

TEST_F(JobRegistryTest, DuplicateMessageAddsNothing) {
  auto cursor = Cursor("etl", "worker-1");
  auto first = registry_->Apply(*cursor, 10, 2);
  auto duplicate = registry_->Apply(*cursor, 10, 2);
  ASSERT_TRUE(first.ok() && duplicate.ok());
  EXPECT_EQ(first->added, 12u);
  EXPECT_EQ(duplicate->added, 0u);
  EXPECT_FALSE(duplicate->regressed);
  EXPECT_EQ(Get("etl").success, 10u);
  EXPECT_EQ(Get("etl").failure, 2u);
}

TEST_F(JobRegistryTest, ReorderedOlderMessageIsIgnoredAndCounted) {
  auto cursor = Cursor("etl", "worker-1");
  ASSERT_TRUE(registry_->Apply(*cursor, 30, 3).ok());
  auto late = registry_->Apply(*cursor, 20, 2);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->added, 0u);
  EXPECT_TRUE(late->regressed);
  EXPECT_EQ(Get("etl").success, 30u);
  EXPECT_EQ(Get("etl").failure, 3u);
  EXPECT_EQ(registry_->Stats().regressions_ignored, 1u);
}

TEST_F(JobRegistryTest, OneFieldRegressingDoesNotBlockTheOther) {
  auto cursor = Cursor("etl", "worker-1");
  ASSERT_TRUE(registry_->Apply(*cursor, 30, 3).ok());
  auto mixed = registry_->Apply(*cursor, 20, 5);
  ASSERT_TRUE(mixed.ok());
  EXPECT_TRUE(mixed->regressed);
  EXPECT_EQ(mixed->added, 2u);
  EXPECT_EQ(Get("etl").success, 30u);
  EXPECT_EQ(Get("etl").failure, 5u);
}

TEST_F(JobRegistryTest, TwoClientsOnOneJobSum) {
  auto a = Cursor("etl", "worker-a");
  auto b = Cursor("etl", "worker-b");
  ASSERT_TRUE(registry_->Apply(*a, 100, 1).ok());
  ASSERT_TRUE(registry_->Apply(*b, 50, 4).ok());
  ASSERT_TRUE(registry_->Apply(*a, 100, 1).ok());
  const JobSnapshot job = Get("etl");
  EXPECT_EQ(job.success, 150u);
  EXPECT_EQ(job.failure, 5u);
  EXPECT_EQ(job.clients, 2u);
}

TEST_F(JobRegistryTest, SameClientResolvesToTheSameCursor) {
  auto first = Cursor("etl", "worker-1");
  ASSERT_TRUE(registry_->Apply(*first, 7, 0).ok());
  // A reconnecting client resends its cumulative value on a new stream.
  auto again = Cursor("etl", "worker-1");
  EXPECT_EQ(first.get(), again.get());
  ASSERT_TRUE(registry_->Apply(*again, 7, 0).ok());
  EXPECT_EQ(Get("etl").success, 7u);
}

TEST_F(JobRegistryTest, ConcurrentClientsGiveExactTotals) {
  constexpr int kThreads = 8;
  constexpr uint64_t kMessages = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      auto cursor = Cursor("etl", "worker-" + std::to_string(t));
      for (uint64_t i = 1; i <= kMessages; ++i) {
        ASSERT_TRUE(registry_->Apply(*cursor, i * 3, i).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(Get("etl").success, kThreads * kMessages * 3);
  EXPECT_EQ(Get("etl").failure, kThreads * kMessages);
}

TEST_F(JobRegistryTest, TwoStreamsOfOneClientNeverDoubleCount) {
  // A reconnect can briefly overlap the old stream: both carry the same
  // cumulative values and only the positive difference may land once.
  auto cursor = Cursor("etl", "worker-1");
  std::vector<std::thread> streams;
  for (int s = 0; s < 4; ++s) {
    streams.emplace_back([this, &cursor] {
      for (uint64_t i = 1; i <= 50000; ++i) {
        ASSERT_TRUE(registry_->Apply(*cursor, i, 0).ok());
      }
    });
  }
  for (auto& stream : streams) stream.join();
  EXPECT_EQ(Get("etl").success, 50000u);
}

TEST_F(JobRegistryTest, BadJobNamesAreRejected) {
  for (const std::string& bad :
       std::vector<std::string>{"", "has space", std::string(129, 'x')}) {
    auto cursor = registry_->ResolveCursor(bad, "worker-1");
    EXPECT_TRUE(absl::IsInvalidArgument(cursor.status())) << bad;
  }
  EXPECT_EQ(registry_->Stats().jobs, 0u);
}

TEST_F(JobRegistryTest, ClientIdIsValidated) {
  EXPECT_TRUE(JobRegistry::ValidateClientId("3f2a-9c").ok());
  EXPECT_TRUE(absl::IsInvalidArgument(JobRegistry::ValidateClientId("")));
  EXPECT_TRUE(absl::IsInvalidArgument(JobRegistry::ValidateClientId("a b")));
}

TEST_F(JobRegistryTest, UnknownJobIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(registry_->Get("nope").status()));
  EXPECT_TRUE(absl::IsNotFound(registry_->Finish("nope").status()));
}

TEST_F(JobRegistryTest, StartSetsExpectedTotalAndFinishMarksDone) {
  auto started = registry_->Start("etl", 1000);
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(started->expected_total, 1000u);
  EXPECT_FALSE(started->done);
  EXPECT_FALSE(started->first_update_time.has_value());

  now_ += absl::Seconds(1);
  auto cursor = Cursor("etl", "worker-1");
  ASSERT_TRUE(registry_->Apply(*cursor, 400, 0).ok());
  now_ += absl::Seconds(4);
  ASSERT_TRUE(registry_->Apply(*cursor, 1000, 0).ok());
  now_ += absl::Seconds(1);
  auto finished = registry_->Finish("etl");
  ASSERT_TRUE(finished.ok());
  EXPECT_TRUE(finished->done);
  EXPECT_EQ(finished->finish_time, now_);
  EXPECT_EQ(finished->first_update_time, now_ - absl::Seconds(5));
  EXPECT_EQ(finished->last_update_time, now_ - absl::Seconds(1));
  // 1000 records from the first update to the finish, 5 s.
  EXPECT_DOUBLE_EQ(finished->average_rate, 200.0);

  // Finishing again changes nothing; starting again is refused.
  now_ += absl::Seconds(10);
  EXPECT_EQ(registry_->Finish("etl")->finish_time, finished->finish_time);
  EXPECT_TRUE(absl::IsFailedPrecondition(registry_->Start("etl", 5).status()));
}

TEST_F(JobRegistryTest, StartWithoutTotalKeepsTheKnownOne) {
  ASSERT_TRUE(registry_->Start("etl", 1000).ok());
  EXPECT_EQ(registry_->Start("etl", 0)->expected_total, 1000u);
}

TEST_F(JobRegistryTest, LateIncrementsToAFinishedJobStillCount) {
  auto cursor = Cursor("etl", "worker-1");
  ASSERT_TRUE(registry_->Apply(*cursor, 5, 0).ok());
  ASSERT_TRUE(registry_->Finish("etl").ok());
  ASSERT_TRUE(registry_->Apply(*cursor, 9, 0).ok());
  EXPECT_EQ(Get("etl").success, 9u);
}

TEST_F(JobRegistryTest, RecentRateComesFromTheSamples) {
  auto cursor = Cursor("etl", "worker-1");
  for (int second = 1; second <= 5; ++second) {
    now_ += absl::Seconds(1);
    ASSERT_TRUE(registry_->Apply(*cursor, second * 100, 0).ok());
    registry_->SampleRates();
  }
  now_ += absl::Seconds(1);
  ASSERT_TRUE(registry_->Apply(*cursor, 600, 0).ok());
  // The window (10 s) still reaches back to creation at 0 records.
  EXPECT_DOUBLE_EQ(Get("etl").recent_rate, 100.0);
}

TEST_F(JobRegistryTest, ListPagesInNameOrder) {
  for (const char* name : {"c", "a", "e", "b", "d"}) {
    ASSERT_TRUE(registry_->Start(name, 0).ok());
  }
  JobPage first = registry_->List("", 2);
  ASSERT_EQ(first.jobs.size(), 2u);
  EXPECT_EQ(first.jobs[0].name, "a");
  EXPECT_EQ(first.jobs[1].name, "b");
  EXPECT_EQ(first.next_after, "b");
  JobPage second = registry_->List(first.next_after, 2);
  ASSERT_EQ(second.jobs.size(), 2u);
  EXPECT_EQ(second.jobs[0].name, "c");
  JobPage last = registry_->List(second.next_after, 2);
  ASSERT_EQ(last.jobs.size(), 1u);
  EXPECT_EQ(last.jobs[0].name, "e");
  EXPECT_EQ(last.next_after, "");
}

}  // namespace
}  // namespace progress
