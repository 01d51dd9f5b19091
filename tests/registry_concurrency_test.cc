// The registry with every kind of caller at once, as in the daemon: streams
// resolving and applying, readers listing and getting, the rate sampler,
// and a driver starting and finishing jobs. Free of gRPC, so
// ThreadSanitizer checks it (scripts/sanitize.sh tsan).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/string_view.h"
#include "registry/job_registry.h"

namespace progress {
namespace {

constexpr int kStreams = 4;
constexpr int kJobs = 4;
constexpr uint64_t kMessages = 5000;

std::string JobName(int job) { return "job-" + std::to_string(job); }

TEST(RegistryConcurrencyTest, ReadersSamplerAndDriverRunBesideStreams) {
  JobRegistry registry;
  std::atomic<int> streams_running{kStreams};
  std::vector<std::thread> threads;
  for (int s = 0; s < kStreams; ++s) {
    threads.emplace_back([&registry, &streams_running, s] {
      // As an Increment stream does: every job resolved in one call, then
      // cumulative values through the cursors.
      std::vector<std::string> names;
      for (int j = 0; j < kJobs; ++j) names.push_back(JobName((j + s) % kJobs));
      const std::vector<absl::string_view> views(names.begin(), names.end());
      auto cursors =
          registry.ResolveCursors(views, "client-" + std::to_string(s));
      ASSERT_TRUE(cursors.ok()) << cursors.status();
      for (uint64_t i = 1; i <= kMessages; ++i) {
        for (const auto& cursor : *cursors) {
          ASSERT_TRUE(registry.Apply(*cursor, i * 2, i).ok());
        }
      }
      streams_running.fetch_sub(1);
    });
  }
  threads.emplace_back([&registry, &streams_running] {
    std::map<std::string, uint64_t> last;
    while (streams_running.load() > 0) {
      for (const JobSnapshot& job : registry.List("", 100).jobs) {
        EXPECT_GE(job.success, last[job.name]) << job.name;
        last[job.name] = job.success;
      }
      auto one = registry.Get(JobName(1));
      EXPECT_TRUE(one.ok() || absl::IsNotFound(one.status()));
      EXPECT_LE(registry.Stats().jobs, static_cast<uint64_t>(kJobs));
    }
  });
  threads.emplace_back([&registry, &streams_running] {
    while (streams_running.load() > 0) registry.SampleRates();
  });
  threads.emplace_back([&registry] {
    EXPECT_TRUE(registry.Start(JobName(0), 1000).ok());
    EXPECT_TRUE(registry.Start(JobName(3), 0).ok());
    EXPECT_TRUE(registry.Finish(JobName(3)).ok());
  });
  for (std::thread& thread : threads) thread.join();

  for (int j = 0; j < kJobs; ++j) {
    auto job = registry.Get(JobName(j));
    ASSERT_TRUE(job.ok()) << job.status();
    EXPECT_EQ(job->success, kStreams * kMessages * 2) << job->name;
    EXPECT_EQ(job->failure, kStreams * kMessages) << job->name;
    EXPECT_EQ(job->clients, static_cast<uint32_t>(kStreams));
  }
  EXPECT_EQ(registry.Get(JobName(0))->expected_total, 1000u);
  EXPECT_TRUE(registry.Get(JobName(3))->done);
}

}  // namespace
}  // namespace progress
