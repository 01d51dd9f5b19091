// fork() with the client library in use, as Python's multiprocessing, Ray
// and many C programs do: children of the default client, of a busy parent,
// of a pool forked at once, forked during the client's first use, and an
// explicit client inherited by a child. Workers: tests/fork_worker.c.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "fault_test_helpers.h"
#include "progress/client.hpp"

namespace progress {
namespace {

using ::progress::testing::ChildProcess;
using ::progress::testing::CountsOn;
using ::progress::testing::Daemon;
using ::progress::testing::Kill;
using ::progress::testing::Restart;
using ::progress::testing::TimeUntilCounts;
using ::testing::HasSubstr;
using ::testing::Not;

ChildProcess Worker(const Daemon& daemon, std::vector<std::string> args) {
  return progress::testing::Worker(FORK_WORKER_PATH, daemon, std::move(args));
}

TEST(ForkMatrixTest, ForkedChildrenOfTheDefaultClientCountExactly) {
  Daemon daemon;
  ChildProcess worker = Worker(daemon, {"fork", "forked", "3", "1001", "5000"});
  ASSERT_EQ(worker.WaitForExit(absl::Seconds(60)), 0) << worker.output();
  const std::string output = worker.output();
  EXPECT_THAT(output, HasSubstr("FLUSHED"));

  // Every child reported under an id of its own.
  std::smatch match;
  ASSERT_TRUE(std::regex_search(output, match, std::regex("PARENT (\\w+)")));
  const std::string parent_id = match[1];
  std::vector<std::string> child_ids;
  const std::regex child_line("CHILD (\\w+)");
  for (auto it = std::sregex_iterator(output.begin(), output.end(), child_line);
       it != std::sregex_iterator(); ++it) {
    child_ids.push_back((*it)[1]);
  }
  ASSERT_EQ(child_ids.size(), 3u) << output;
  for (const std::string& id : child_ids) EXPECT_NE(id, parent_id);

  const std::optional<JobInfo> info = CountsOn(daemon, "forked");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->success, 5000u + 3 * 1001u);
  EXPECT_EQ(info->clients, 4u);
}

TEST(ForkMatrixTest, ForksOfABusyParentCountExactly) {
  // Threads adding and flushing in the parent while it forks: the shape of a
  // Ray worker or a multiprocessing pool, where gRPC is busy at every fork.
  Daemon daemon;
  ChildProcess worker = Worker(daemon, {"fork-busy", "busy", "20", "1000"});
  ASSERT_EQ(worker.WaitForExit(absl::Seconds(120)), 0) << worker.output();
  std::smatch match;
  const std::string output = worker.output();
  ASSERT_TRUE(std::regex_search(output, match, std::regex("EXPECT (\\d+)")))
      << output;
  std::smatch cost;
  if (std::regex_search(output, cost, std::regex("FORK (.*)"))) {
    std::cerr << cost[1] << " while the client was busy\n";
  }
  const uint64_t expected = std::stoull(match[1]);
  const std::optional<JobInfo> info = CountsOn(daemon, "busy");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->success, expected) << output;
  EXPECT_THAT(output, Not(HasSubstr("not confirmed")));
  EXPECT_THAT(output, Not(HasSubstr("cannot reach")));
}

TEST(ForkMatrixTest, APoolOfChildrenForkedAtOnceThatEndWithExitCountsExactly) {
  // Python's multiprocessing: a busy parent forks a pool at once; each child
  // flushes and ends with _exit().
  Daemon daemon;
  ChildProcess worker = Worker(daemon, {"fork-pool", "pool", "5", "8", "1000"});
  ASSERT_EQ(worker.WaitForExit(absl::Seconds(120)), 0) << worker.output();
  std::smatch match;
  const std::string output = worker.output();
  ASSERT_TRUE(std::regex_search(output, match, std::regex("EXPECT (\\d+)")))
      << output;
  const std::optional<JobInfo> info = CountsOn(daemon, "pool");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->success, std::stoull(match[1])) << output;
}

TEST(ForkMatrixTest, ForkWhileTheDefaultClientIsFirstMadeDoesNotHangTheChild) {
  Daemon daemon;
  for (int run = 0; run < 5; ++run) {
    ChildProcess worker = Worker(daemon, {"fork-first-use", "first-use"});
    ASSERT_EQ(worker.WaitForExit(absl::Seconds(60)), 0) << worker.output();
  }
  const std::optional<JobInfo> info = CountsOn(daemon, "first-use");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->success, 10u);
}

TEST(ForkMatrixTest, AnExplicitClientInheritedAcrossForkFailsClearly) {
  Daemon daemon;
  ChildProcess worker = Worker(daemon, {"fork-explicit", "inherited"});
  ASSERT_EQ(worker.WaitForExit(absl::Seconds(60)), 0) << worker.output();
  const std::string output = worker.output();
  EXPECT_THAT(output, HasSubstr("CHILD FLUSH FAILED_PRECONDITION"));
  EXPECT_THAT(output, HasSubstr("created before fork()"));
  EXPECT_THAT(output, HasSubstr("CHILD JOB FAILED_PRECONDITION"));
  EXPECT_THAT(output, HasSubstr("CHILD NEW OK"));
  EXPECT_THAT(output, HasSubstr("PARENT FLUSH OK"));
  const std::optional<JobInfo> info = CountsOn(daemon, "inherited");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->success, 5u + 7u);
}

// Debian's Abseil checks every mutex lock for deadlock cycles under one
// process-wide spin lock, which a fork can leave held in the child for good
// (children hung in about 1 of 30 forks under load). The library turns the
// check off before it runs anything: locking two mutexes in both orders,
// which the check would abort on, must pass once a client exists.
TEST(ForkMatrixTest, AClientTurnsOffAbseilsProcessWideDeadlockCheck) {
  progress_client* client = nullptr;
  ASSERT_EQ(progress_client_create(nullptr, &client), PROGRESS_OK);
  absl::Mutex first;
  absl::Mutex second;
  {
    absl::MutexLock a(&first);
    absl::MutexLock b(&second);
  }
  {
    absl::MutexLock b(&second);
    absl::MutexLock a(&first);
  }
  progress_client_destroy(client);
}

}  // namespace
}  // namespace progress
