// Ray kills a worker process that has been idle for about a second, with
// SIGKILL: no destructor, no atexit. The periodic flush must already have
// delivered everything by then.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>

#include "absl/time/clock.h"
#include "child_process.h"
#include "progress/client.hpp"

namespace progress {
namespace {

using ::progress::testing::ChildProcess;
using ::progress::testing::Daemon;

TEST(IdleWorkerKillTest, SigkillOneSecondAfterGoingIdleLosesNothing) {
  Daemon daemon;
  ChildProcess worker({IDLE_WORKER_PATH, "idle-kill", "123457", "89"},
                      {"PROGRESS_TRACKER_ADDRESS=" + daemon.address()});
  ASSERT_TRUE(worker.WaitForOutput("ADDED")) << worker.output();
  absl::SleepFor(absl::Seconds(1));
  worker.Signal(SIGKILL);
  EXPECT_FALSE(worker.WaitForExit(absl::Seconds(10)).has_value());  // Killed.

  ClientOptions options;
  options.target = daemon.address();
  Client reader(options);
  JobInfo info{};
  const Status status = reader.GetCounts("idle-kill", &info);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(info.success, 123457u);
  EXPECT_EQ(info.failure, 89u);
}

}  // namespace
}  // namespace progress
