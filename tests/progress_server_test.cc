#include "progress_server.h"

#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "test_server.h"

namespace progress {
namespace {

using ::progress::testing::Counts;
using ::progress::testing::Message;
using ::progress::testing::SendAll;
using ::progress::testing::TestServer;
using ::testing::HasSubstr;

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

absl::StatusOr<v1::Job> GetCounts(v1::ProgressTracker::Stub& stub,
                                  const std::string& job,
                                  absl::Duration deadline = absl::Seconds(10)) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  v1::GetCountsRequest request;
  request.set_job(job);
  v1::GetCountsResponse response;
  grpc::Status status = stub.GetCounts(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return response.job();
}

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

class BadInputTest : public ::testing::Test {
 protected:
  static RegistryOptions Limits() {
    RegistryOptions options;
    options.limits.max_jobs = 3;
    options.limits.max_clients_per_job = 2;
    options.limits.max_job_name_bytes = 16;
    return options;
  }
  static ServerOptions SmallMessages() {
    ServerOptions options;
    options.max_message_bytes = 1024;
    return options;
  }

  BadInputTest()
      : server_(Limits(), SmallMessages()), stub_(server_.NewStub()) {
    // A job with known counts that no bad input may change.
    EXPECT_TRUE(SendAll(*stub_, {Message("good", Counts("known", 7, 3))}).ok());
  }

  void ExpectKnownUnchanged() {
    auto job = GetCounts(*stub_, "known");
    ASSERT_TRUE(job.ok()) << job.status();
    EXPECT_EQ(job->success(), 7u);
    EXPECT_EQ(job->failure(), 3u);
  }

  TestServer server_;
  std::unique_ptr<v1::ProgressTracker::Stub> stub_;
};

TEST_F(BadInputTest, FirstMessageWithoutClientId) {
  grpc::Status status = SendAll(*stub_, {Message("", Counts("known", 100, 0))});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("client_id"));
  ExpectKnownUnchanged();
}

TEST_F(BadInputTest, IllFormedClientId) {
  grpc::Status status =
      SendAll(*stub_, {Message("bad id!", Counts("known", 100, 0))});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ExpectKnownUnchanged();
}

TEST_F(BadInputTest, ClientIdChangingMidStream) {
  grpc::Status status =
      SendAll(*stub_, {Message("good", Counts("known", 7, 3)),
                       Message("other", Counts("known", 100, 0))});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ExpectKnownUnchanged();
}

TEST_F(BadInputTest, BadJobNamesSayWhatIsAllowed) {
  for (const std::string& bad : std::vector<std::string>{
           "", "white space", "slash/ed", "seventeen-bytes-x"}) {
    v1::IncrementRequest request = Message("c1", Counts("known", 50, 0));
    *request.add_jobs() = Counts(bad, 1, 0);
    grpc::Status status = SendAll(*stub_, {request});
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    if (!bad.empty() && bad.size() <= 16) {
      EXPECT_THAT(status.error_message(), HasSubstr("A-Z a-z 0-9 and . _ : -"));
    }
  }
  // The good entry beside the bad one was not applied either.
  ExpectKnownUnchanged();
}

TEST_F(BadInputTest, TooManyJobs) {
  ASSERT_TRUE(SendAll(*stub_, {Message("c1", Counts("second", 1, 0))}).ok());
  ASSERT_TRUE(SendAll(*stub_, {Message("c1", Counts("third", 1, 0))}).ok());
  grpc::Status status =
      SendAll(*stub_, {Message("c1", Counts("fourth", 1, 0))});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(GetCounts(*stub_, "fourth").status().code(),
            absl::StatusCode::kNotFound);
  ExpectKnownUnchanged();
}

TEST_F(BadInputTest, TooManyClientsOnOneJob) {
  ASSERT_TRUE(SendAll(*stub_, {Message("second", Counts("known", 0, 0))}).ok());
  grpc::Status status =
      SendAll(*stub_, {Message("third", Counts("known", 9, 9))});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ExpectKnownUnchanged();
}

TEST_F(BadInputTest, GetCountsOfUnknownJobIsNotFound) {
  EXPECT_EQ(GetCounts(*stub_, "nobody").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(GetCounts(*stub_, "bad name").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(BadInputTest, LowerCumulativeValuesAreIgnoredNotApplied) {
  grpc::Status status =
      SendAll(*stub_, {Message("good", Counts("known", 2, 1))});
  EXPECT_TRUE(status.ok());  // Ignored, not an error: a late message is normal.
  ExpectKnownUnchanged();
  EXPECT_EQ(server_.registry().Stats().regressions_ignored, 1u);
}

TEST_F(BadInputTest, OverflowIsRejectedNotWrapped) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  grpc::Status status =
      SendAll(*stub_, {Message("other", Counts("known", kMax, 0))});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  ExpectKnownUnchanged();
}

TEST_F(BadInputTest, OversizedMessageIsRejected) {
  v1::IncrementRequest request = Message("good", Counts("known", 100, 0));
  for (int i = 0; i < 200; ++i) *request.add_jobs() = Counts("known", 100, 0);
  ASSERT_GT(request.ByteSizeLong(), 1024u);
  grpc::Status status = SendAll(*stub_, {request});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ExpectKnownUnchanged();
}

TEST_F(BadInputTest, FinishJobOfUnknownJobIsNotFound) {
  grpc::ClientContext context;
  v1::FinishJobRequest request;
  request.set_job("nobody");
  v1::FinishJobResponse response;
  EXPECT_EQ(stub_->FinishJob(&context, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
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
