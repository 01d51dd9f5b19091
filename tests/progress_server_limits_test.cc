// What one client can make the server hold is bounded: message size and
// entries, open streams, silent streams. Each refusal has its status and is
// counted.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "rpc/progress_server.h"
#include "test_server.h"

namespace progress {
namespace {

using ::progress::testing::Counts;
using ::progress::testing::GetCounts;
using ::progress::testing::Message;
using ::progress::testing::SendAll;
using ::progress::testing::TestServer;
using ::testing::HasSubstr;

// A stream left open, as a client that holds it would.
struct OpenStream {
  explicit OpenStream(v1::ProgressTracker::Stub& stub)
      : writer(stub.Increment(&context, &response)) {}
  grpc::ClientContext context;
  v1::IncrementResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::IncrementRequest>> writer;
};

ServerOptions Options(int max_streams, absl::Duration idle_timeout) {
  ServerOptions options;
  options.stream_limits.max_streams = max_streams;
  options.stream_limits.stream_idle_timeout = idle_timeout;
  options.stream_limits.max_jobs_per_message = 1000;
  // The idle check rides on the rate sampler.
  options.rate_sample_interval = absl::Milliseconds(50);
  return options;
}

// Waits until `server` counts `streams` open Increment streams.
bool WaitForActiveStreams(const TestServer& server, int64_t streams) {
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    if (const_cast<TestServer&>(server).server().stats().active_streams() ==
        streams) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

TEST(ServerLimitsTest, OversizedMessageIsRefusedAndCounted) {
  TestServer server({}, Options(100, absl::Seconds(60)));
  auto stub = server.NewStub();
  v1::IncrementRequest request = Message("big", Counts("job", 1, 0));
  request.mutable_jobs(0)->set_job(std::string(100 << 10, 'x'));
  const grpc::Status status = SendAll(*stub, {request});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("--max_message_bytes=65536"));
  EXPECT_EQ(server.server().stats().rejected(
                Rpc::kIncrement, absl::StatusCode::kResourceExhausted),
            1u);
}

TEST(ServerLimitsTest, MessageWithTooManyJobsIsRefusedWhole) {
  TestServer server({}, Options(100, absl::Seconds(60)));
  auto stub = server.NewStub();
  v1::IncrementRequest request;
  request.set_client_id("many");
  for (int i = 0; i < 1001; ++i) {
    *request.add_jobs() = Counts("j" + std::to_string(i), 1, 0);
  }
  const grpc::Status status = SendAll(*stub, {request});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("--max_jobs_per_message=1000"));
  EXPECT_FALSE(GetCounts(*stub, "j0").ok());
  request.mutable_jobs()->RemoveLast();
  EXPECT_TRUE(SendAll(*stub, {request}).ok());
  EXPECT_EQ(GetCounts(*stub, "j999")->success(), 1u);
}

TEST(ServerLimitsTest, StreamBeyondMaxStreamsIsRefusedForNow) {
  TestServer server({}, Options(2, absl::Seconds(60)));
  auto stub = server.NewStub();
  std::vector<std::unique_ptr<OpenStream>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<OpenStream>(*stub));
    ASSERT_TRUE(held.back()->writer->Write(
        Message("held-" + std::to_string(i), Counts("held", 1, 0))));
  }
  ASSERT_TRUE(WaitForActiveStreams(server, 2));

  OpenStream extra(*stub);
  extra.writer->Write(Message("extra", Counts("extra", 1, 0)));
  extra.writer->WritesDone();
  const grpc::Status refused = extra.writer->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("--max_streams=2"));
  // The client library retries on this mark instead of giving its jobs up.
  const auto& trailers = extra.context.GetServerTrailingMetadata();
  ASSERT_EQ(trailers.count(kRetryLaterKey), 1u);
  EXPECT_EQ(trailers.find(kRetryLaterKey)->second, "1");
  EXPECT_FALSE(GetCounts(*stub, "extra").ok());

  held[0]->writer->WritesDone();
  EXPECT_TRUE(held[0]->writer->Finish().ok());
  ASSERT_TRUE(WaitForActiveStreams(server, 1));
  EXPECT_TRUE(SendAll(*stub, {Message("extra", Counts("extra", 1, 0))}).ok());
  EXPECT_EQ(server.server().stats().rejected(
                Rpc::kIncrement, absl::StatusCode::kResourceExhausted),
            1u);
}

TEST(ServerLimitsTest, SilentStreamIsCancelledAndKeepsWhatItApplied) {
  TestServer server({}, Options(100, absl::Seconds(1)));
  auto stub = server.NewStub();
  OpenStream silent(*stub);
  ASSERT_TRUE(silent.writer->Write(Message("silent", Counts("quiet", 5, 1))));
  OpenStream never(*stub);  // Not even a first message.

  // Both are ended by the server alone; nothing on this side closes them.
  EXPECT_EQ(silent.writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(never.writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(WaitForActiveStreams(server, 0));
  EXPECT_EQ(server.server().stats().rejected(Rpc::kIncrement,
                                             absl::StatusCode::kCancelled),
            2u);
  auto job = GetCounts(*stub, "quiet");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->success(), 5u);
  EXPECT_EQ(job->failure(), 1u);
}

TEST(ServerLimitsTest, StreamThatKeepsSendingIsNotCancelled) {
  TestServer server({}, Options(100, absl::Seconds(3)));
  auto stub = server.NewStub();
  OpenStream busy(*stub);
  // Keepalives, far more often than the timeout, for longer than it.
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(busy.writer->Write(i == 0
                                       ? Message("busy", Counts("busy", 1, 0))
                                       : v1::IncrementRequest()));
    absl::SleepFor(absl::Milliseconds(100));
  }
  busy.writer->WritesDone();
  EXPECT_TRUE(busy.writer->Finish().ok());
  EXPECT_EQ(server.server().stats().rejected(Rpc::kIncrement,
                                             absl::StatusCode::kCancelled),
            0u);
}

}  // namespace
}  // namespace progress
