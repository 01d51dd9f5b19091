// The client library through its public C++ wrapper, against real progressd
// processes. (The library carries its own private copy of the generated
// proto code, so tests that link it keep the daemon out of process.)
#include "progress/client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "child_process.h"

namespace progress {
namespace {

using ::progress::testing::Daemon;
using ::progress::testing::UnusedPort;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

ClientOptions To(const std::string& target,
                 std::chrono::milliseconds flush_interval = 100ms) {
  ClientOptions options;
  options.target = target;
  options.flush_interval = flush_interval;
  return options;
}

JobInfo Counts(Client& client, const std::string& job) {
  JobInfo info{};
  const Status status = client.GetCounts(job, &info);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return info;
}

TEST(ClientTest, ManyThreadsAddingGiveExactTotals) {
  Daemon daemon;
  Client client(To(daemon.address()));
  ASSERT_TRUE(client.status().ok());
  Job job = client.GetJob("threads");
  constexpr int kThreads = 8;
  constexpr uint64_t kAdds = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&job, t] {
      for (uint64_t i = 0; i < kAdds; ++i) {
        job.AddSuccess(1 + t % 3);
        if (i % 7 == 0) job.AddFailure(2);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  uint64_t expected_success = 0;
  for (int t = 0; t < kThreads; ++t) expected_success += kAdds * (1 + t % 3);
  const uint64_t expected_failure = kThreads * 2 * ((kAdds + 6) / 7);
  EXPECT_EQ(job.local_success(), expected_success);

  ASSERT_TRUE(client.Flush(10s).ok());
  const JobInfo info = Counts(client, "threads");
  EXPECT_EQ(info.success, expected_success);
  EXPECT_EQ(info.failure, expected_failure);
  EXPECT_EQ(info.clients, 1u);
}

TEST(ClientTest, FlushConfirmsWithoutWaitingForTheInterval) {
  Daemon daemon;
  // An hour between periodic sends: only Flush can deliver in this test.
  Client client(To(daemon.address(), std::chrono::hours(1)));
  Job job = client.GetJob("flushed");
  job.AddSuccess(41);
  job.AddFailure(1);
  ASSERT_TRUE(client.Flush(10s).ok());
  const JobInfo info = Counts(client, "flushed");
  EXPECT_EQ(info.success, 41u);
  EXPECT_EQ(info.failure, 1u);
  // A second flush with nothing new is also confirmed.
  EXPECT_TRUE(client.Flush(10s).ok());
}

TEST(ClientTest, PeriodicFlushDeliversWithoutFlushCalls) {
  Daemon daemon;
  Client client(To(daemon.address(), 50ms));
  Job job = client.GetJob("periodic");
  job.AddSuccess(10);
  JobInfo info{};
  for (int i = 0; i < 400 && info.success < 10; ++i) {
    absl::SleepFor(absl::Milliseconds(25));
    client.GetCounts("periodic", &info);
  }
  EXPECT_EQ(info.success, 10u);
}

TEST(ClientTest, DestroyingTheClientFlushes) {
  Daemon daemon;
  {
    Client client(To(daemon.address(), std::chrono::hours(1)));
    client.GetJob("destroyed").AddSuccess(9);
  }
  Client reader(To(daemon.address()));
  EXPECT_EQ(Counts(reader, "destroyed").success, 9u);
}

TEST(ClientTest, DaemonRestartedMidRunStillGivesExactTotals) {
  auto daemon = std::make_unique<Daemon>();
  const int port = daemon->port();
  Client client(To(daemon->address(), 50ms));
  Job job = client.GetJob("restarted");
  job.AddSuccess(1000);
  job.AddFailure(10);
  ASSERT_TRUE(client.Flush(10s).ok());

  // The daemon dies without a state file: it forgets everything.
  daemon->process().Signal(SIGKILL);
  daemon->process().WaitForExit(absl::Seconds(10));
  daemon.reset();
  job.AddSuccess(500);  // Counted while no daemon runs.

  daemon = std::make_unique<Daemon>(std::vector<std::string>{}, port);
  ASSERT_EQ(daemon->port(), port);
  job.AddSuccess(250);
  job.AddFailure(5);
  const Status flushed = client.Flush(30s);
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();
  const JobInfo info = Counts(client, "restarted");
  EXPECT_EQ(info.success, 1750u);
  EXPECT_EQ(info.failure, 15u);
}

TEST(ClientTest, WithoutADaemonAddsStayNonBlockingAndFlushTimesOut) {
  const std::string target = absl::StrCat("127.0.0.1:", UnusedPort());
  ClientOptions options = To(target, 10ms);
  options.shutdown_timeout = 500ms;
  auto client = std::make_unique<Client>(options);
  Job job = client->GetJob("nobody-listens");

  // Millions of adds with the flusher failing all the while: they finish,
  // because nothing on the add path waits for the network.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&job] {
      for (int i = 0; i < 1000000; ++i) job.AddSuccess();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(job.local_success(), 4000000u);

  const Status flushed = client->Flush(300ms);
  EXPECT_EQ(flushed.code(), PROGRESS_DEADLINE_EXCEEDED);
  EXPECT_THAT(flushed.message(), HasSubstr(target));

  const absl::Time start = absl::Now();
  const Status shutdown = client->Shutdown(500ms);
  EXPECT_FALSE(shutdown.ok());
  EXPECT_THAT(shutdown.message(), HasSubstr("final flush"));
  // Generous slack for a loaded machine; without the bound it would hang.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  client.reset();  // The destructor's shutdown returns at once now.
}

TEST(ClientTest, AClientThatNeverCountedShutsDownAtOnceWithoutADaemon) {
  ClientOptions options = To(absl::StrCat("127.0.0.1:", UnusedPort()));
  options.shutdown_timeout = 30s;
  Client client(options);
  Job job = client.GetJob("never-counted");  // A job, but not one count.
  const absl::Time start = absl::Now();
  const Status shutdown = client.Shutdown(30s);
  const absl::Duration took = absl::Now() - start;
  EXPECT_TRUE(shutdown.ok()) << shutdown.ToString();
  // Nothing to send, so no waiting for the daemon: a final flush that
  // waited would take the whole 30 s.
  EXPECT_LT(took, absl::Milliseconds(100));
}

TEST(ClientTest, InvalidJobNameGivesAnInvalidHandleThatIgnoresAdds) {
  Client client(To(absl::StrCat("127.0.0.1:", UnusedPort())));
  Job job = client.GetJob("not a valid name");
  EXPECT_FALSE(job.valid());
  EXPECT_EQ(job.status().code(), PROGRESS_INVALID_ARGUMENT);
  EXPECT_THAT(job.status().message(), HasSubstr("A-Z a-z 0-9"));
  job.AddSuccess(5);  // Ignored, never a crash.
  EXPECT_EQ(job.local_success(), 0u);
}

TEST(ClientTest, ClientIdsAreRandomUnlessGiven) {
  const std::string target = absl::StrCat("127.0.0.1:", UnusedPort());
  Client a(To(target)), b(To(target));
  EXPECT_EQ(a.id().size(), 16u);
  EXPECT_NE(a.id(), b.id());
  ClientOptions named = To(target);
  named.client_id = "worker-7";
  EXPECT_EQ(Client(named).id(), "worker-7");
  named.client_id = "bad id";
  Client bad(named);
  EXPECT_EQ(bad.status().code(), PROGRESS_INVALID_ARGUMENT);
  EXPECT_FALSE(bad.GetJob("x").valid());
}

TEST(ClientTest, TargetComesFromTheEnvironmentByDefault) {
  setenv("PROGRESS_TRACKER_ADDRESS", "127.0.0.1:45678", 1);
  EXPECT_EQ(Client().target(), "127.0.0.1:45678");
  unsetenv("PROGRESS_TRACKER_ADDRESS");
  EXPECT_EQ(Client().target(), "127.0.0.1:50051");
}

TEST(ClientTest, DriverCallsStartReadAndFinishJobs) {
  Daemon daemon;
  Client client(To(daemon.address()));
  ASSERT_TRUE(client.StartJob("driven", 300).ok());
  JobInfo info = Counts(client, "driven");
  EXPECT_EQ(info.expected_total, 300u);
  EXPECT_NE(info.created_time_ns, 0);
  EXPECT_EQ(info.first_update_time_ns, 0);

  client.GetJob("driven").AddSuccess(300);
  ASSERT_TRUE(client.Flush(10s).ok());
  ASSERT_TRUE(client.FinishJob("driven").ok());
  info = Counts(client, "driven");
  EXPECT_EQ(info.done, 1);
  EXPECT_NE(info.finish_time_ns, 0);
  EXPECT_GE(info.last_update_time_ns, info.first_update_time_ns);

  JobInfo missing{};
  EXPECT_EQ(client.GetCounts("never-started", &missing).code(),
            PROGRESS_NOT_FOUND);
}

TEST(ClientTest, AJobTheDaemonRefusesDoesNotBlockTheOthers) {
  Daemon daemon({"--max_jobs=1"});
  Client client(To(daemon.address(), 20ms));
  Job accepted = client.GetJob("accepted");
  accepted.AddSuccess(5);
  ASSERT_TRUE(client.Flush(10s).ok());

  Job refused = client.GetJob("refused");
  refused.AddSuccess(3);
  accepted.AddSuccess(5);
  const Status flushed = client.Flush(10s);
  EXPECT_EQ(flushed.code(), PROGRESS_RESOURCE_EXHAUSTED);
  EXPECT_THAT(flushed.message(), HasSubstr("refused"));
  EXPECT_EQ(Counts(client, "accepted").success, 10u);

  // Later counts of the accepted job still flow, and the refusal was
  // reported once: this flush covers the accepted job only, and is OK.
  accepted.AddSuccess(1);
  const Status later = client.Flush(10s);
  EXPECT_TRUE(later.ok()) << later.ToString();
  EXPECT_EQ(Counts(client, "accepted").success, 11u);
  EXPECT_EQ(refused.local_success(), 3u);  // Still counted locally.
}

TEST(ClientTest, LogLevelIsSetByNameAndBadNamesAreRefused) {
  EXPECT_TRUE(SetLogLevel("off").ok());
  const Status bad = SetLogLevel("loud");
  EXPECT_EQ(bad.code(), PROGRESS_INVALID_ARGUMENT);
  EXPECT_THAT(bad.message(), HasSubstr("unknown log level 'loud'"));
  EXPECT_EQ(progress_set_log_level(nullptr), PROGRESS_INVALID_ARGUMENT);
  EXPECT_TRUE(SetLogLevel("info").ok());
}

TEST(ClientTest, ShutdownReportsARefusalNoFlushHasReported) {
  Daemon daemon({"--max_job_name_bytes=8"});
  Client client(To(daemon.address(), std::chrono::hours(1)));
  client.GetJob("short").AddSuccess(2);
  client.GetJob("much-too-long").AddSuccess(3);  // Valid here, not there.
  const Status shutdown = client.Shutdown(10s);
  EXPECT_EQ(shutdown.code(), PROGRESS_INVALID_ARGUMENT);
  EXPECT_THAT(shutdown.message(), HasSubstr("much-too-long"));
  Client reader(To(daemon.address()));
  EXPECT_EQ(Counts(reader, "short").success, 2u);
}

TEST(ClientCApiTest, NullArgumentsAreErrorsNotCrashes) {
  progress_job_add_success(nullptr, 1);
  progress_job_add_failure(nullptr, 1);
  EXPECT_EQ(progress_client_flush(nullptr, 10), PROGRESS_INVALID_ARGUMENT);
  EXPECT_STREQ(progress_last_error(), "client is NULL");
  EXPECT_EQ(progress_client_create(nullptr, nullptr),
            PROGRESS_INVALID_ARGUMENT);
  progress_client* client = nullptr;
  ASSERT_EQ(progress_client_create(nullptr, &client), PROGRESS_OK);
  progress_job* job = nullptr;
  EXPECT_EQ(progress_client_job(client, nullptr, &job),
            PROGRESS_INVALID_ARGUMENT);
  EXPECT_EQ(progress_client_get_counts(client, "x", 10, nullptr),
            PROGRESS_INVALID_ARGUMENT);
  progress_client_shutdown(client, 10);
  progress_client_destroy(client);
  progress_client_destroy(nullptr);
  EXPECT_STREQ(progress_status_name(PROGRESS_UNAVAILABLE), "UNAVAILABLE");
  EXPECT_STREQ(progress_status_name(99), "UNKNOWN_CODE");
}

}  // namespace
}  // namespace progress
