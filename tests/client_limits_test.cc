// The client library within the daemon's per-stream limits: it never sends
// more jobs in one message than any daemon accepts, and a daemon at its
// --max_streams limit delays its counts but never loses them.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "progress/client.hpp"

namespace progress {
namespace {

using ::progress::testing::ChildProcess;
using ::progress::testing::Daemon;
using namespace std::chrono_literals;

ClientOptions To(const std::string& target) {
  ClientOptions options;
  options.target = target;
  options.flush_interval = std::chrono::milliseconds(20);
  return options;
}

uint64_t SuccessOf(Client& client, const std::string& job) {
  JobInfo info{};
  const Status status = client.GetCounts(job, &info);
  EXPECT_TRUE(status.ok()) << job << ": " << status.ToString();
  return info.success;
}

TEST(ClientLimitsTest, ThousandsOfJobsFitTheLeastJobsPerMessage) {
  // The least a daemon may be set to, which is also the default.
  Daemon daemon({"--max_jobs_per_message=1000"});
  Client client(To(daemon.address()));
  std::vector<Job> jobs;
  for (int i = 0; i < 2500; ++i) {
    jobs.push_back(client.GetJob(absl::StrCat("j", i)));
    jobs.back().AddSuccess(i + 1);
  }
  const Status flushed = client.Flush(30s);
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();
  for (int i : {0, 999, 1000, 1234, 2499}) {
    EXPECT_EQ(SuccessOf(client, absl::StrCat("j", i)),
              static_cast<uint64_t>(i + 1));
  }
}

TEST(ClientLimitsTest, DaemonAtItsStreamLimitIsRetriedNeverARefusal) {
  Daemon daemon({"--max_streams=1"});
  ASSERT_GT(daemon.port(), 0);
  ChildProcess holder({STREAM_HOLDER_PATH, daemon.address(), "1", "1"});
  ASSERT_TRUE(holder.WaitForOutput("HOLDING 1")) << holder.output();

  Client client(To(daemon.address()));
  Job job = client.GetJob("patient");
  job.AddSuccess(7);
  const Status blocked = client.Flush(2s);
  EXPECT_EQ(blocked.code(), PROGRESS_DEADLINE_EXCEEDED) << blocked.ToString();

  // Once the slot is free the same counts go through: the job was not
  // given up as refused.
  holder.Signal(SIGKILL);
  holder.WaitForExit(absl::Seconds(10));
  const Status flushed = client.Flush(30s);
  EXPECT_TRUE(flushed.ok()) << flushed.ToString();
  EXPECT_EQ(SuccessOf(client, "patient"), 7u);
}

}  // namespace
}  // namespace progress
