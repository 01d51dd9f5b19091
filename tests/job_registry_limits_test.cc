// The registry's limits: jobs, clients per job, name length and the
// per-client value cap, and that a refused request leaves nothing behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "registry/job_registry.h"
#include "test_registry.h"

namespace progress {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

class LimitedRegistryTest : public ::progress::testing::RegistryTest {
 protected:
  LimitedRegistryTest() : RegistryTest(SmallLimits()) {}

  static RegistryLimits SmallLimits() {
    RegistryLimits limits;
    limits.max_jobs = 2;
    limits.max_clients_per_job = 2;
    limits.max_job_name_bytes = 8;
    return limits;
  }
};

TEST_F(LimitedRegistryTest, TooManyJobsIsResourceExhausted) {
  ASSERT_TRUE(registry_->ResolveCursor("a", "w").ok());
  ASSERT_TRUE(registry_->Start("b", 0).ok());
  auto third = registry_->ResolveCursor("c", "w");
  EXPECT_TRUE(absl::IsResourceExhausted(third.status()));
  EXPECT_THAT(third.status().message(), HasSubstr("--max_jobs"));
  EXPECT_TRUE(absl::IsResourceExhausted(registry_->Start("c", 0).status()));
  // Existing jobs stay reachable.
  EXPECT_TRUE(registry_->ResolveCursor("a", "w2").ok());
  EXPECT_EQ(registry_->Stats().jobs, 2u);
}

TEST_F(LimitedRegistryTest, TooManyClientsIsResourceExhausted) {
  ASSERT_TRUE(registry_->ResolveCursor("a", "w1").ok());
  ASSERT_TRUE(registry_->ResolveCursor("a", "w2").ok());
  auto third = registry_->ResolveCursor("a", "w3");
  EXPECT_TRUE(absl::IsResourceExhausted(third.status()));
  EXPECT_THAT(third.status().message(), HasSubstr("--max_clients_per_job"));
  EXPECT_TRUE(registry_->ResolveCursor("a", "w1").ok());
}

TEST_F(LimitedRegistryTest, JobNameLimitIsTheFlag) {
  EXPECT_TRUE(registry_->ResolveCursor("12345678", "w").ok());
  EXPECT_TRUE(absl::IsInvalidArgument(
      registry_->ResolveCursor("123456789", "w").status()));
}

TEST_F(LimitedRegistryTest, ResolveCursorsPastTheJobLimitCreatesNothing) {
  ASSERT_TRUE(registry_->ResolveCursor("a", "w1").ok());
  const absl::string_view jobs[] = {"a", "b", "c"};
  auto cursors = registry_->ResolveCursors(jobs, "w2");
  EXPECT_TRUE(absl::IsResourceExhausted(cursors.status()));
  EXPECT_THAT(cursors.status().message(), HasSubstr("--max_jobs"));
  EXPECT_TRUE(absl::IsNotFound(registry_->Get("b").status()));
  EXPECT_EQ(registry_->Stats().jobs, 1u);
  EXPECT_EQ(registry_->Stats().client_cursors, 1u);  // w2 is not on "a".
}

TEST_F(LimitedRegistryTest, ResolveCursorsPastTheClientLimitCreatesNothing) {
  ASSERT_TRUE(registry_->ResolveCursor("full", "w1").ok());
  ASSERT_TRUE(registry_->ResolveCursor("full", "w2").ok());
  const absl::string_view jobs[] = {"new", "full"};
  auto cursors = registry_->ResolveCursors(jobs, "w3");
  EXPECT_TRUE(absl::IsResourceExhausted(cursors.status()));
  EXPECT_THAT(cursors.status().message(), HasSubstr("--max_clients_per_job"));
  EXPECT_TRUE(absl::IsNotFound(registry_->Get("new").status()));
  EXPECT_EQ(registry_->Stats().client_cursors, 2u);
}

TEST_F(LimitedRegistryTest,
       ResolveCursorsWithABadOrRepeatedNameCreatesNothing) {
  const absl::string_view bad[] = {"a", "bad/name"};
  EXPECT_TRUE(
      absl::IsInvalidArgument(registry_->ResolveCursors(bad, "w").status()));
  const absl::string_view repeated[] = {"a", "a"};
  auto twice = registry_->ResolveCursors(repeated, "w");
  EXPECT_TRUE(absl::IsInvalidArgument(twice.status()));
  EXPECT_THAT(twice.status().message(), HasSubstr("'a' appears twice"));
  EXPECT_EQ(registry_->Stats().jobs, 0u);
  EXPECT_EQ(registry_->Stats().client_cursors, 0u);
}

TEST_F(LimitedRegistryTest, ResolveCursorsAnswersInOrderWithExistingCursors) {
  auto b = Cursor("b", "w");
  const absl::string_view jobs[] = {"a", "b"};
  auto first = registry_->ResolveCursors(jobs, "w");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0]->job().name(), "a");
  EXPECT_EQ((*first)[1].get(), b.get());
  // Everything exists now: the same cursors come back.
  auto again = registry_->ResolveCursors(jobs, "w");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].get(), (*first)[0].get());
  EXPECT_EQ(registry_->Stats().client_cursors, 2u);
}

TEST_F(LimitedRegistryTest, RacingResolversNeverCreateHalfARequest) {
  // Each request needs both remaining job slots; exactly one can have them.
  constexpr int kThreads = 8;
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &succeeded] {
      const std::string x = "x" + std::to_string(t);
      const std::string y = "y" + std::to_string(t);
      const absl::string_view jobs[] = {x, y};
      if (registry_->ResolveCursors(jobs, "w").ok()) succeeded.fetch_add(1);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), 1);
  EXPECT_EQ(registry_->Stats().jobs, 2u);
  EXPECT_EQ(registry_->Stats().client_cursors, 2u);
}

// Three clients per job, so the cap is (2^64 - 1) / 3 and three clients at
// the cap sum to exactly 2^64 - 1.
class CappedRegistryTest : public ::progress::testing::RegistryTest {
 protected:
  CappedRegistryTest() : RegistryTest(ThreeClients()) {}

  static RegistryLimits ThreeClients() {
    RegistryLimits limits;
    limits.max_clients_per_job = 3;
    return limits;
  }

  const uint64_t cap_ = kMax / 3;
};

TEST_F(CappedRegistryTest, CapIsTheMaximumOverClientsPerJob) {
  EXPECT_EQ(registry_->max_value_per_client(), cap_);
  EXPECT_EQ(registry_->limits().max_value_per_client(), cap_);
  EXPECT_EQ(RegistryLimits{}.max_value_per_client(), 184'467'440'737'095u);
}

TEST_F(CappedRegistryTest, EveryClientAtTheCapStillFits) {
  for (const char* client : {"a", "b", "c"}) {
    auto result = registry_->Apply(*Cursor("etl", client), cap_, cap_);
    ASSERT_TRUE(result.ok()) << result.status();
  }
  const JobSnapshot job = Get("etl");
  EXPECT_EQ(job.success, 3 * cap_);
  EXPECT_EQ(job.failure, 3 * cap_);
  EXPECT_EQ(job.success, kMax);
}

TEST_F(CappedRegistryTest, ValueAboveTheCapIsRefusedWhole) {
  auto cursor = Cursor("etl", "worker-a");
  auto refused = registry_->Apply(*cursor, 5, cap_ + 1);
  EXPECT_TRUE(absl::IsOutOfRange(refused.status()));
  EXPECT_THAT(refused.status().message(), HasSubstr("'etl'"));
  EXPECT_THAT(refused.status().message(), HasSubstr(std::to_string(cap_ + 1)));
  EXPECT_THAT(refused.status().message(), HasSubstr(std::to_string(cap_)));
  // The success part beside the refused failure was not applied either.
  EXPECT_EQ(Get("etl").success, 0u);
  EXPECT_EQ(cursor->applied().success, 0u);
  EXPECT_EQ(registry_->Stats().values_over_cap_rejected, 1u);
}

TEST_F(CappedRegistryTest, OneClientOverTheCapDoesNotBlockOthers) {
  auto greedy = Cursor("etl", "greedy");
  auto modest = Cursor("etl", "modest");
  EXPECT_TRUE(
      absl::IsOutOfRange(registry_->Apply(*greedy, kMax - 5, 0).status()));
  ASSERT_TRUE(registry_->Apply(*modest, 6, 1).ok());
  ASSERT_TRUE(registry_->Apply(*modest, 10, 2).ok());
  EXPECT_EQ(Get("etl").success, 10u);
  EXPECT_EQ(Get("etl").failure, 2u);
}

TEST_F(CappedRegistryTest, ReadersNeverSeeACounterGoDown) {
  constexpr int kWriters = 3;
  constexpr uint64_t kMessages = 20000;
  std::vector<std::shared_ptr<ClientCursor>> cursors;
  for (int w = 0; w < kWriters; ++w) {
    cursors.push_back(Cursor("etl", "worker-" + std::to_string(w)));
  }
  std::atomic<int> writing{kWriters};
  std::atomic<int> wrong_results{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, cursor = cursors[w]] {
      for (uint64_t i = 1; i <= kMessages; ++i) {
        if (!registry_->Apply(*cursor, i, i).ok()) wrong_results.fetch_add(1);
        // Refused whole: its one extra success must never be visible.
        if (!absl::IsOutOfRange(
                registry_->Apply(*cursor, i + 1, kMax).status())) {
          wrong_results.fetch_add(1);
        }
      }
      writing.fetch_sub(1);
    });
  }
  uint64_t success = 0;
  uint64_t failure = 0;
  int decreases = 0;
  while (writing.load() > 0) {
    const JobSnapshot job = Get("etl");
    if (job.success < success || job.failure < failure) ++decreases;
    success = job.success;
    failure = job.failure;
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(decreases, 0);
  EXPECT_EQ(wrong_results.load(), 0);
  EXPECT_EQ(Get("etl").success, kWriters * kMessages);
  EXPECT_EQ(Get("etl").failure, kWriters * kMessages);
}

}  // namespace
}  // namespace progress
