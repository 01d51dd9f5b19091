// The client's job table with workers and a flusher meeting in it, as in a
// worker process: workers look jobs up (making them on first use) and add
// to their counters while the flusher takes what changed. Free of gRPC, so
// ThreadSanitizer checks it (scripts/sanitize.sh tsan).
#include "job_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace progress::client {
namespace {

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

}  // namespace
}  // namespace progress::client
