// The bad-input gauntlet: a real progressd takes every kind of bad input a
// client can send, each gets its documented status, and meanwhile
// well-behaved workers (paced_worker) report through the client library.
// Afterwards the daemon answers, its open-stream gauge is back to zero and
// every worker's count is exact.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "gauntlet_helpers.h"
#include "test_server.h"

namespace progress {
namespace {

using ::progress::testing::ChildProcess;
using ::progress::testing::Counts;
using ::progress::testing::Daemon;
using ::progress::testing::GetCounts;
using ::progress::testing::Message;
using ::progress::testing::Metric;
using ::progress::testing::OpenStream;
using ::progress::testing::SendAll;
using ::progress::testing::StubOn;
using ::progress::testing::WaitForActiveStreams;
using ::testing::HasSubstr;

constexpr int kMaxStreams = 1100;
constexpr int kWorkers = 3;

// A message of `jobs` distinct jobs, each with one success.
v1::IncrementRequest ManyJobs(const std::string& client, int jobs,
                              const std::string& prefix = "j") {
  v1::IncrementRequest request;
  request.set_client_id(client);
  for (int i = 0; i < jobs; ++i) {
    *request.add_jobs() = Counts(absl::StrCat(prefix, i), 1, 0);
  }
  return request;
}

struct Case {
  std::string name;
  std::vector<v1::IncrementRequest> messages;
  grpc::StatusCode code;
};

std::vector<Case> SingleStreamCases() {
  const uint64_t near_max = std::numeric_limits<uint64_t>::max() - 1;
  std::vector<Case> cases = {
      {"empty job name",
       {Message("c1", Counts("", 1, 0))},
       grpc::StatusCode::INVALID_ARGUMENT},
      {"10 KB job name",
       {Message("c2", Counts(std::string(10240, 'a'), 1, 0))},
       grpc::StatusCode::INVALID_ARGUMENT},
      {"invalid UTF-8",
       {Message("c3", Counts("bad\xff\xfe", 1, 0))},
       grpc::StatusCode::INVALID_ARGUMENT},
      {"control characters",
       {Message("c4", Counts("a\n\tb\x01", 1, 0))},
       grpc::StatusCode::INVALID_ARGUMENT},
      {"value near 2^64",
       {Message("c5", Counts("huge", near_max, 0))},
       grpc::StatusCode::OUT_OF_RANGE},
      {"missing client id",
       {Message("", Counts("anon", 1, 0))},
       grpc::StatusCode::INVALID_ARGUMENT},
      {"changing client id",
       {Message("c6", Counts("turncoat", 1, 0)),
        Message("c7", Counts("turncoat", 2, 0))},
       grpc::StatusCode::INVALID_ARGUMENT},
      // --max_jobs=40, and the workers and the cases above hold some.
      {"too many jobs",
       {ManyJobs("c8", 40, "new")},
       grpc::StatusCode::RESOURCE_EXHAUSTED},
      {"100,000 jobs in one message",
       {ManyJobs("c9", 100000)},
       grpc::StatusCode::RESOURCE_EXHAUSTED},
      {"more entries than --max_jobs_per_message",
       {ManyJobs("c10", 5000)},
       grpc::StatusCode::RESOURCE_EXHAUSTED},
      {"1 MiB message",
       {Message("c11", Counts(std::string(1 << 20, 'a'), 1, 0))},
       grpc::StatusCode::RESOURCE_EXHAUSTED},
      {"8 MiB message, above gRPC's own ceiling",
       {Message("c12", Counts(std::string(8 << 20, 'a'), 1, 0))},
       grpc::StatusCode::RESOURCE_EXHAUSTED},
  };
  // --max_clients_per_job=3: three fit, the fourth does not.
  for (int i = 0; i < 3; ++i) {
    cases.push_back(
        {absl::StrCat("client ", i, " of a crowded job"),
         {Message(absl::StrCat("crowd-", i), Counts("crowded", 1, 0))},
         grpc::StatusCode::OK});
  }
  cases.push_back({"too many clients on a job",
                   {Message("crowd-3", Counts("crowded", 1, 0))},
                   grpc::StatusCode::RESOURCE_EXHAUSTED});
  return cases;
}

class GauntletTest : public ::testing::Test {
 protected:
  GauntletTest()
      : daemon_({"--max_jobs=40", "--max_clients_per_job=3",
                 absl::StrCat("--max_streams=", kMaxStreams),
                 "--stream_idle_timeout=3s"}),
        stub_(StubOn(daemon_.address())) {
    for (int i = 0; i < kWorkers; ++i) {
      // 10 records every 10 ms for about 30 s: longer than the gauntlet.
      workers_.push_back(std::make_unique<ChildProcess>(
          std::vector<std::string>{PACED_WORKER_PATH, absl::StrCat("good-", i),
                                   "10", "3000", "10"},
          std::vector<std::string>{"PROGRESS_TRACKER_ADDRESS=" +
                                   daemon_.address()}));
    }
  }

  int metrics() { return daemon_.metrics_port(); }

  Daemon daemon_;
  std::unique_ptr<v1::ProgressTracker::Stub> stub_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
};

TEST_F(GauntletTest, EveryBadInputGetsItsStatusAndGoodClientsStayExact) {
  ASSERT_GT(daemon_.port(), 0);
  for (int i = 0; i < kWorkers; ++i) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (!GetCounts(*stub_, absl::StrCat("good-", i)).ok() &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));
    }
  }

  for (const Case& c : SingleStreamCases()) {
    const grpc::Status status = SendAll(*stub_, c.messages);
    EXPECT_EQ(status.error_code(), c.code)
        << c.name << ": " << status.error_message();
  }
  EXPECT_FALSE(GetCounts(*stub_, "new0").ok()) << "all or nothing";

  // Regressions are ignored and the stream goes on.
  {
    OpenStream stream(*stub_);
    ASSERT_TRUE(stream.writer->Write(Message("r1", Counts("regress", 10, 2))));
    ASSERT_TRUE(stream.writer->Write(Message("r1", Counts("regress", 5, 1))));
    ASSERT_TRUE(stream.writer->Write(Message("r1", Counts("regress", 11, 2))));
    EXPECT_TRUE(stream.Close().ok());
    ASSERT_EQ(stream.response.recorded_size(), 1);
    EXPECT_EQ(stream.response.recorded(0).success(), 11u);
    EXPECT_EQ(GetCounts(*stub_, "regress")->success(), 11u);
  }

  // A stream that never sends is reclaimed by the idle timeout.
  {
    OpenStream silent(*stub_);
    EXPECT_EQ(silent.writer->Finish().error_code(),
              grpc::StatusCode::CANCELLED);
  }

  // 1,000 streams whose process dies without closing them.
  ASSERT_TRUE(
      WaitForActiveStreams(metrics(), [](int64_t n) { return n <= kWorkers; }));
  {
    ChildProcess holder({STREAM_HOLDER_PATH, daemon_.address(), "1000", "10"});
    ASSERT_TRUE(holder.WaitForOutput("HOLDING 1000", absl::Seconds(60)))
        << holder.output();
    EXPECT_TRUE(
        WaitForActiveStreams(metrics(), [](int64_t n) { return n >= 1000; }));
    holder.Signal(SIGKILL);
    holder.WaitForExit(absl::Seconds(10));
  }
  EXPECT_TRUE(
      WaitForActiveStreams(metrics(), [](int64_t n) { return n <= kWorkers; }));

  // Streams beyond --max_streams: fill the rest, then 200 more are refused,
  // for now.
  {
    std::vector<std::unique_ptr<v1::ProgressTracker::Stub>> stubs;
    for (int i = 0; i < 10; ++i) stubs.push_back(StubOn(daemon_.address(), i));
    const int64_t active = static_cast<int64_t>(
        *Metric(metrics(), "progress_tracker_increment_streams_active"));
    std::vector<std::unique_ptr<OpenStream>> fillers;
    for (int64_t i = active; i < kMaxStreams; ++i) {
      fillers.push_back(std::make_unique<OpenStream>(*stubs[i % 10]));
      v1::IncrementRequest hello;
      hello.set_client_id(absl::StrCat("filler-", i));
      fillers.back()->writer->Write(hello);
    }
    ASSERT_TRUE(WaitForActiveStreams(
        metrics(), [](int64_t n) { return n == kMaxStreams; }));
    int refused = 0;
    for (int i = 0; i < 200; ++i) {
      OpenStream extra(*stubs[i % 10]);
      const grpc::Status status = extra.Close();
      if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
          extra.context.GetServerTrailingMetadata().count(
              "progress-retry-later") == 1) {
        ++refused;
      }
    }
    EXPECT_EQ(refused, 200);
    for (auto& filler : fillers) filler->Close();
  }

  // Still up and answering; the workers finish exactly.
  EXPECT_TRUE(GetCounts(*stub_, "regress", absl::Seconds(2)).ok());
  for (int i = 0; i < kWorkers; ++i) {
    ASSERT_EQ(workers_[i]->WaitForExit(absl::Seconds(90)), 0)
        << workers_[i]->output();
    const std::string out = workers_[i]->output();
    const size_t sent = out.find("SENT ");
    ASSERT_NE(sent, std::string::npos) << out;
    auto job = GetCounts(*stub_, absl::StrCat("good-", i));
    ASSERT_TRUE(job.ok()) << job.status();
    EXPECT_EQ(job->success(), std::stoull(out.substr(sent + 5))) << i;
  }
  EXPECT_TRUE(
      WaitForActiveStreams(metrics(), [](int64_t n) { return n == 0; }));

  // Every refusal the daemon saw is counted: 1 too many jobs, 1 too many
  // clients, 3 over a message limit, 200 over --max_streams (the 8 MiB one
  // is gRPC's alone). Logging them was rate limited.
  EXPECT_EQ(*Metric(metrics(), "progress_tracker_rejected_total",
                    {"rpc=\"Increment\"", "code=\"RESOURCE_EXHAUSTED\""}),
            205);
  EXPECT_EQ(*Metric(metrics(), "progress_tracker_rejected_total",
                    {"rpc=\"Increment\"", "code=\"INVALID_ARGUMENT\""}),
            6);
  EXPECT_GE(*Metric(metrics(), "progress_tracker_rejected_total",
                    {"rpc=\"Increment\"", "code=\"CANCELLED\""}),
            1);
  const std::string log = daemon_.process().output();
  EXPECT_THAT(log, HasSubstr("more like this suppressed (Increment "
                             "RESOURCE_EXHAUSTED)"));
  size_t lines = 0;
  for (size_t at = log.find("rejected: RESOURCE_EXHAUSTED");
       at != std::string::npos;
       at = log.find("rejected: RESOURCE_EXHAUSTED", at + 1)) {
    ++lines;
  }
  EXPECT_LT(lines, 100u);
}

}  // namespace
}  // namespace progress
