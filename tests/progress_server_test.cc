#include "rpc/progress_server.h"

#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "test_server.h"

namespace progress {
namespace {

using ::progress::testing::Counts;
using ::progress::testing::GetCounts;
using ::progress::testing::Message;
using ::progress::testing::SendAll;
using ::progress::testing::TestServer;

// One client stream, opened on construction.
class IncrementStream {
 public:
  explicit IncrementStream(v1::ProgressTracker::Stub& stub)
      : writer_(stub.Increment(&context_, &response_)) {}

  bool Write(const v1::IncrementRequest& request) {
    return writer_->Write(request);
  }
  grpc::Status Close() {
    writer_->WritesDone();
    return writer_->Finish();
  }
  const v1::IncrementResponse& response() const { return response_; }

 private:
  grpc::ClientContext context_;
  v1::IncrementResponse response_;
  std::unique_ptr<grpc::ClientWriter<v1::IncrementRequest>> writer_;
};

TEST(ProgressServerTest, SixtyFourConcurrentStreamsCountExactly) {
  TestServer server;
  constexpr int kThreads = 8;
  constexpr int kStreamsPerThread = 8;
  constexpr uint64_t kMessages = 1000;
  std::atomic<int> failed_streams{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = server.NewStub();
      std::vector<std::unique_ptr<IncrementStream>> streams;
      for (int s = 0; s < kStreamsPerThread; ++s) {
        streams.push_back(std::make_unique<IncrementStream>(*stub));
      }
      // Interleave the streams so all 64 are open and busy at once.
      for (uint64_t i = 1; i <= kMessages; ++i) {
        for (int s = 0; s < kStreamsPerThread; ++s) {
          const std::string client = "c" + std::to_string(t * 100 + s);
          v1::IncrementRequest request =
              Message(client, Counts("exact", 2 * i, i));
          *request.add_jobs() = Counts("exact-b", i, 0);
          if (!streams[s]->Write(request)) failed_streams++;
        }
      }
      for (auto& stream : streams) {
        if (!stream->Close().ok()) failed_streams++;
        EXPECT_EQ(stream->response().recorded_size(), 2);
        for (const auto& recorded : stream->response().recorded()) {
          if (recorded.job() == "exact") {
            EXPECT_EQ(recorded.success(), 2 * kMessages);
            EXPECT_EQ(recorded.failure(), kMessages);
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed_streams.load(), 0);

  auto stub = server.NewStub();
  auto job = GetCounts(*stub, "exact");
  ASSERT_TRUE(job.ok()) << job.status();
  constexpr uint64_t kStreams = kThreads * kStreamsPerThread;
  EXPECT_EQ(job->success(), kStreams * 2 * kMessages);
  EXPECT_EQ(job->failure(), kStreams * kMessages);
  EXPECT_EQ(job->clients(), kStreams);
  EXPECT_EQ(GetCounts(*stub, "exact-b")->success(), kStreams * kMessages);
}

TEST(ProgressServerTest, ReplayingAWholeStreamFromANewConnectionAddsNothing) {
  TestServer server;
  std::vector<v1::IncrementRequest> messages;
  for (uint64_t i = 1; i <= 100; ++i) {
    messages.push_back(Message("replayer", Counts("replay", i * 10, i)));
  }
  auto first_stub = server.NewStub();
  ASSERT_TRUE(SendAll(*first_stub, messages).ok());

  auto second_stub = server.NewStub();  // A new channel: a new connection.
  v1::IncrementResponse response;
  ASSERT_TRUE(SendAll(*second_stub, messages, &response).ok());

  auto job = GetCounts(*second_stub, "replay");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->success(), 1000u);
  EXPECT_EQ(job->failure(), 100u);
  ASSERT_EQ(response.recorded_size(), 1);
  EXPECT_EQ(response.recorded(0).success(), 1000u);
  EXPECT_EQ(response.recorded(0).failure(), 100u);
}

TEST(ProgressServerTest, GetCountsKeepsCompletingDuringAnIncrementFlood) {
  TestServer server;
  constexpr int kFloodStreams = 32;
  constexpr uint64_t kMaxMessagesPerStream = 200000;  // Bounds the flood.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sent{0};
  std::vector<std::thread> flooders;
  for (int s = 0; s < kFloodStreams; ++s) {
    flooders.emplace_back([&, s] {
      auto stub = server.NewStub();
      IncrementStream stream(*stub);
      const std::string client = "flood-" + std::to_string(s);
      for (uint64_t i = 1; i <= kMaxMessagesPerStream && !stop.load(); ++i) {
        if (!stream.Write(Message(client, Counts("flood", i, 0)))) break;
        sent.fetch_add(1, std::memory_order_relaxed);
      }
      EXPECT_TRUE(stream.Close().ok());
    });
  }

  auto reader = server.NewStub();
  // Wait for the flood to reach the server before measuring reads.
  while (!GetCounts(*reader, "flood").ok())
    absl::SleepFor(absl::Milliseconds(5));

  constexpr int kReads = 200;
  uint64_t previous = 0;
  int reads_that_saw_growth = 0;
  for (int r = 0; r < kReads; ++r) {
    // Generous: a starved reader would wait for the whole flood (seconds).
    auto job = GetCounts(*reader, "flood", absl::Seconds(5));
    ASSERT_TRUE(job.ok()) << "read " << r << ": " << job.status();
    EXPECT_GE(job->success(), previous) << "counts went backwards";
    if (job->success() > previous) ++reads_that_saw_growth;
    previous = job->success();
  }
  const bool flood_still_running =
      sent.load() < kFloodStreams * kMaxMessagesPerStream;
  stop = true;
  for (auto& flooder : flooders) flooder.join();

  // The reads ran while the flood did, and saw it progress.
  EXPECT_TRUE(flood_still_running);
  EXPECT_GT(reads_that_saw_growth, kReads / 4);
  auto final_job = GetCounts(*reader, "flood");
  ASSERT_TRUE(final_job.ok());
  EXPECT_EQ(final_job->success(), sent.load());
}

TEST(ProgressServerTest, StartListAndFinishJobs) {
  TestServer server;
  auto stub = server.NewStub();
  for (const char* name : {"job-c", "job-a", "job-b"}) {
    grpc::ClientContext context;
    v1::StartJobRequest request;
    request.set_job(name);
    request.set_expected_total(300);
    v1::StartJobResponse response;
    ASSERT_TRUE(stub->StartJob(&context, request, &response).ok());
    EXPECT_EQ(response.job().expected_total(), 300u);
    EXPECT_TRUE(response.job().has_created_time());
    EXPECT_FALSE(response.job().has_first_update_time());
  }
  ASSERT_TRUE(SendAll(*stub, {Message("w", Counts("job-b", 300, 0))}).ok());

  std::vector<std::string> names;
  std::string token;
  do {
    grpc::ClientContext context;
    v1::ListJobsRequest request;
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListJobsResponse response;
    ASSERT_TRUE(stub->ListJobs(&context, request, &response).ok());
    EXPECT_LE(response.jobs_size(), 2);
    for (const auto& job : response.jobs()) names.push_back(job.name());
    token = response.next_page_token();
  } while (!token.empty());
  EXPECT_THAT(names, ::testing::ElementsAre("job-a", "job-b", "job-c"));

  grpc::ClientContext context;
  v1::FinishJobRequest request;
  request.set_job("job-b");
  v1::FinishJobResponse response;
  ASSERT_TRUE(stub->FinishJob(&context, request, &response).ok());
  EXPECT_TRUE(response.job().done());
  EXPECT_TRUE(response.job().has_finish_time());
  EXPECT_EQ(response.job().success(), 300u);
  EXPECT_EQ(response.job().clients(), 1u);
}

TEST(ProgressServerTest, ShutdownEndsOpenStreamsWithinTheGrace) {
  auto server = std::make_unique<TestServer>();
  auto stub = server->NewStub();
  std::vector<std::unique_ptr<IncrementStream>> open;
  for (int i = 0; i < 8; ++i) {
    open.push_back(std::make_unique<IncrementStream>(*stub));
    ASSERT_TRUE(open.back()->Write(
        Message("idle-" + std::to_string(i), Counts("idle", 1, 0))));
  }
  // The streams stay open: shutdown must cancel them once the grace is over.
  const absl::Time start = absl::Now();
  server->server().Shutdown(absl::Milliseconds(500));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  for (auto& stream : open) EXPECT_FALSE(stream->Close().ok());
}

}  // namespace
}  // namespace progress
