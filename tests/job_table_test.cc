// The client's job table with workers and a flusher meeting in it, as in a
// worker process: workers look jobs up (making them on first use) and add
// to their counters while the flusher takes what changed. Free of gRPC, so
// ThreadSanitizer checks it (scripts/sanitize.sh tsan).
#include "job_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace progress::client {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Names(const std::vector<JobValues>& taken) {
  std::vector<std::string> names;
  for (const JobValues& value : taken) names.push_back(value.counter->name);
  return names;
}

TEST(JobTableTest, FlusherTakesExactlyWhatWorkersAddedWhileTheyAdd) {
  constexpr int kWorkers = 4;
  constexpr int kJobs = 6;
  constexpr uint64_t kRecords = 20000;
  JobTable table;
  std::atomic<bool> done{false};
  // What the flusher last took of each job, as it would send it.
  std::map<std::string, JobValues> sent;
  std::thread flusher([&] {
    auto take = [&] {
      for (JobValues& value : table.Take(JobTable::Which::kChanged)) {
        ASSERT_GE(value.success, value.counter->sent_success);
        value.counter->sent_success = value.success;
        value.counter->sent_failure = value.failure;
        sent[value.counter->name] = value;
      }
    };
    while (!done.load()) {
      take();
      EXPECT_FALSE(table.UnconfirmedReport().empty());
    }
    take();
  });
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&table, w] {
      for (uint64_t i = 0; i < kRecords; ++i) {
        const std::string job = "job-" + std::to_string((i + w) % kJobs);
        absl::StatusOr<JobCounter*> counter = table.Get(job);
        ASSERT_TRUE(counter.ok());
        if (i % 10 == 0) {
          (*counter)->failure.fetch_add(1, std::memory_order_relaxed);
        } else {
          (*counter)->success.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  done.store(true);
  flusher.join();

  ASSERT_EQ(sent.size(), static_cast<size_t>(kJobs));
  uint64_t success = 0;
  uint64_t failure = 0;
  for (const auto& [name, value] : sent) {
    success += value.success;
    failure += value.failure;
  }
  EXPECT_EQ(success + failure, kWorkers * kRecords);
  EXPECT_EQ(failure, kWorkers * kRecords / 10);
  EXPECT_TRUE(table.Take(JobTable::Which::kChanged).empty());
}

TEST(JobTableTest, ConcurrentFirstUsesOfOneNameShareOneCounter) {
  JobTable table;
  std::vector<JobCounter*> seen(8, nullptr);
  std::vector<std::thread> workers;
  for (size_t w = 0; w < seen.size(); ++w) {
    workers.emplace_back([&table, &seen, w] {
      absl::StatusOr<JobCounter*> counter = table.Get("nightly");
      ASSERT_TRUE(counter.ok());
      (*counter)->success.fetch_add(1, std::memory_order_relaxed);
      seen[w] = *counter;
    });
  }
  for (std::thread& worker : workers) worker.join();
  for (JobCounter* counter : seen) EXPECT_EQ(counter, seen.front());
  EXPECT_EQ(seen.front()->success.load(), seen.size());
}

TEST(JobTableTest,
     AConfirmedIdleJobIsForgottenUntilItChangesAndKeepsItsValues) {
  JobTable table;
  JobCounter* idle = *table.Get("idle");
  JobCounter* unconfirmed = *table.Get("unconfirmed");
  ASSERT_TRUE(table.Get("never-counted").ok());
  idle->success.fetch_add(5);
  idle->failure.fetch_add(1);
  unconfirmed->success.fetch_add(3);
  ASSERT_THAT(Names(table.Take(JobTable::Which::kAll)),
              ElementsAre("idle", "unconfirmed"));
  // What a stream's reply sets: the daemon holds all of `idle`.
  idle->confirmed_success = 5;
  idle->confirmed_failure = 1;

  EXPECT_TRUE(table.AnyIdleSince(absl::InfiniteFuture()));
  table.Forget(absl::InfinitePast());  // Not idle for long enough.
  EXPECT_FALSE(idle->forgotten);
  table.Forget(absl::InfiniteFuture());
  EXPECT_TRUE(idle->forgotten);
  EXPECT_FALSE(unconfirmed->forgotten);
  EXPECT_THAT(Names(table.Take(JobTable::Which::kAll)),
              ElementsAre("unconfirmed"));
  EXPECT_THAT(Names(table.Take(JobTable::Which::kChanged)),
              ElementsAre("unconfirmed"));

  // Once it changes it is sent again, with its whole cumulative values.
  idle->success.fetch_add(2);
  bool sent = false;
  for (const JobValues& value : table.Take(JobTable::Which::kChanged)) {
    if (value.counter != idle) continue;
    sent = true;
    EXPECT_EQ(value.success, 7u);
    EXPECT_EQ(value.failure, 1u);
  }
  EXPECT_TRUE(sent);
  EXPECT_FALSE(idle->forgotten);
  EXPECT_THAT(Names(table.Take(JobTable::Which::kAll)),
              ElementsAre("idle", "unconfirmed"));
}

}  // namespace
}  // namespace progress::client
