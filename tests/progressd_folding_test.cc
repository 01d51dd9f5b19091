// Folding against a real progressd: 100,000 short-lived clients over time
// leave its memory bounded and every count exact, and a client folded away
// that comes back (after a restart, too) is not counted twice.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "gauntlet_helpers.h"
#include "test_server.h"

namespace progress {
namespace {

using ::progress::testing::Daemon;
using ::progress::testing::GetCounts;
using ::progress::testing::Metric;
using ::progress::testing::OpenStream;
using ::progress::testing::ResidentKiB;
using ::progress::testing::StubOn;

constexpr int kClients = 100000;
constexpr int kSenders = 4;

// One short-lived client's whole life: one stream, one message, closed.
grpc::Status ReportOnce(v1::ProgressTracker::Stub& stub,
                        const std::string& client, const std::string& job,
                        uint64_t success, bool closing) {
  OpenStream stream(stub);
  v1::IncrementRequest request;
  request.set_client_id(client);
  request.set_closing(closing);
  v1::JobCounts* counts = request.add_jobs();
  counts->set_job(job);
  counts->set_success(success);
  stream.writer->Write(request);
  return stream.Close();
}

// Waits until the daemon's `metric` satisfies `done`.
template <typename Done>
bool WaitForMetric(const Daemon& daemon, const std::string& metric, Done done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    if (done(Metric(daemon.metrics_port(), metric, {}).value_or(-1))) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

// Clients [first, last) from kSenders threads; half close cleanly, half
// just go away (as a killed worker's stream would), to be folded by
// --client_ttl.
void RunClients(const Daemon& daemon, int first, int last) {
  std::atomic<int> failed{0};
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      auto stub = StubOn(daemon.address(), s);
      for (int i = first + s; i < last; i += kSenders) {
        if (!ReportOnce(*stub, absl::StrCat("short-", i), "batch", 1,
                        i % 2 == 0)
                 .ok()) {
          failed.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& sender : senders) sender.join();
  EXPECT_EQ(failed.load(), 0);
}

TEST(ProgressdFoldingTest, HundredThousandShortLivedClientsStayBounded) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "resident memory is not measured under AddressSanitizer";
#endif
  Daemon daemon({"--log_level=warn", "--client_ttl=1s", "--tombstone_ttl=2s"},
                0,
                std::getenv("PROGRESSD_UNDER_TEST") != nullptr
                    ? std::getenv("PROGRESSD_UNDER_TEST")
                    : PROGRESSD_PATH);
  ASSERT_GT(daemon.port(), 0);
  const int pid = daemon.process().pid();
  const int64_t idle_kib = ResidentKiB(pid);

  // The first tenth warms up gRPC's and the allocator's pools.
  const absl::Time start = absl::Now();
  RunClients(daemon, 0, kClients / 10);
  const int64_t warm_kib = ResidentKiB(pid);
  RunClients(daemon, kClients / 10, kClients);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const int64_t peak_kib = ResidentKiB(pid);

  auto stub = StubOn(daemon.address(), kSenders);
  auto job = GetCounts(*stub, "batch");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->success(), static_cast<uint64_t>(kClients));
  EXPECT_EQ(job->clients(), static_cast<uint32_t>(kClients));

  // Every entry folds (the closing half at once, the rest after 1 s) and
  // every tombstone is forgotten 2 s later.
  EXPECT_TRUE(WaitForMetric(daemon, "progress_tracker_known_clients",
                            [](double n) { return n == 0; }));
  EXPECT_TRUE(WaitForMetric(daemon, "progress_tracker_client_tombstones",
                            [](double n) { return n == 0; }));
  const int64_t settled_kib = ResidentKiB(pid);
  EXPECT_EQ(Metric(daemon.metrics_port(),
                   "progress_tracker_clients_folded_total", {}),
            kClients);
  EXPECT_EQ(GetCounts(*stub, "batch")->success(),
            static_cast<uint64_t>(kClients));

  std::printf(
      "progressd VmRSS with %d short-lived clients (%d senders, %.1f s): "
      "%lld KiB idle, %lld KiB after the first %d, %lld KiB after all, "
      "%lld KiB once folded and forgotten\n",
      kClients, kSenders, seconds, static_cast<long long>(idle_kib),
      static_cast<long long>(warm_kib), kClients / 10,
      static_cast<long long>(peak_kib), static_cast<long long>(settled_kib));
  // What 90,000 more clients may add past the warm-up: allocator slack, and
  // the entries not yet folded while they arrive (at most a second's).
  EXPECT_LT(peak_kib - warm_kib, 32 << 10);
  EXPECT_LT(settled_kib, 96 << 10);
}

class ProgressdResumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/folding-", getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Daemon> Start(int port = 0) {
    return std::make_unique<Daemon>(
        std::vector<std::string>{"--client_ttl=500ms",
                                 "--state_file=" + dir_ + "/state",
                                 "--snapshot_interval=100ms"},
        port);
  }

  std::string dir_;
};

TEST_F(ProgressdResumeTest, AFoldedClientComingBackIsNotCountedTwice) {
  std::unique_ptr<Daemon> daemon = Start();
  auto stub = StubOn(daemon->address(), 0);
  ASSERT_TRUE(ReportOnce(*stub, "sleeper", "resume", 100, false).ok());
  ASSERT_TRUE(WaitForMetric(*daemon, "progress_tracker_client_tombstones",
                            [](double n) { return n == 1; }));
  EXPECT_EQ(GetCounts(*stub, "resume")->clients(), 1u);

  // It wakes up: resends what it had, then more.
  ASSERT_TRUE(ReportOnce(*stub, "sleeper", "resume", 100, false).ok());
  EXPECT_EQ(GetCounts(*stub, "resume")->success(), 100u);
  ASSERT_TRUE(ReportOnce(*stub, "sleeper", "resume", 150, false).ok());
  EXPECT_EQ(GetCounts(*stub, "resume")->success(), 150u);

  // Folded again, then the daemon restarts from its state file: the
  // tombstone is in it.
  ASSERT_TRUE(WaitForMetric(*daemon, "progress_tracker_client_tombstones",
                            [](double n) { return n == 1; }));
  const int port = daemon->port();
  daemon->process().Signal(SIGTERM);
  ASSERT_EQ(daemon->process().WaitForExit(absl::Seconds(20)), 0);
  daemon = Start(port);
  stub = StubOn(daemon->address(), 1);
  EXPECT_EQ(
      Metric(daemon->metrics_port(), "progress_tracker_client_tombstones", {}),
      1);
  ASSERT_TRUE(ReportOnce(*stub, "sleeper", "resume", 170, false).ok());
  auto job = GetCounts(*stub, "resume");
  EXPECT_EQ(job->success(), 170u);
  EXPECT_EQ(job->clients(), 1u);
}

TEST_F(ProgressdResumeTest, ARetriedClosingStreamIsNotCountedTwice) {
  std::unique_ptr<Daemon> daemon = Start();
  auto stub = StubOn(daemon->address(), 0);
  ASSERT_TRUE(ReportOnce(*stub, "closer", "retry", 40, true).ok());
  // Folded as soon as it ended, not after --client_ttl.
  EXPECT_EQ(Metric(daemon->metrics_port(),
                   "progress_tracker_clients_folded_total", {}),
            1);
  EXPECT_EQ(
      Metric(daemon->metrics_port(), "progress_tracker_known_clients", {}), 0);
  // Its reply was lost, say, so the client sends its last stream again.
  ASSERT_TRUE(ReportOnce(*stub, "closer", "retry", 40, true).ok());
  EXPECT_EQ(GetCounts(*stub, "retry")->success(), 40u);
  EXPECT_EQ(GetCounts(*stub, "retry")->clients(), 1u);
}

TEST(ProgressdFoldingTest, AWorkerThatExitsIsFoldedAtOnce) {
  // The library's exit flush is its closing stream; nothing waits for
  // --client_ttl (an hour here).
  Daemon daemon({"--client_ttl=1h"});
  testing::ChildProcess worker(
      {PACED_WORKER_PATH, "exiting", "10", "3", "10"},
      {"PROGRESS_TRACKER_ADDRESS=" + daemon.address()});
  ASSERT_EQ(worker.WaitForExit(absl::Seconds(60)), 0) << worker.output();
  EXPECT_TRUE(WaitForMetric(daemon, "progress_tracker_known_clients",
                            [](double n) { return n == 0; }));
  EXPECT_EQ(Metric(daemon.metrics_port(),
                   "progress_tracker_clients_folded_total", {}),
            1);
  auto stub = StubOn(daemon.address(), 0);
  EXPECT_EQ(GetCounts(*stub, "exiting")->success(), 30u);
}

}  // namespace
}  // namespace progress
