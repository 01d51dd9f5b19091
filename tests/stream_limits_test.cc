// The pieces that bound what one client can make the daemon hold: admission
// and idle cancelling of streams, message checks, rate-limited rejection logs.
#include "rpc/stream_limits.h"

#include <grpcpp/support/proto_buffer_writer.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/time/time.h"
#include "rpc/increment_streams.h"
#include "rpc/rejection_log.h"

namespace progress {
namespace {

StreamLimits Limits(int max_streams, absl::Duration idle_timeout) {
  StreamLimits limits;
  limits.max_streams = max_streams;
  limits.stream_idle_timeout = idle_timeout;
  return limits;
}

TEST(IncrementStreamsTest, AdmitsUpToTheLimitAndAgainOnceOneLeaves) {
  IncrementStreams streams(Limits(2, absl::Seconds(60)), 65536);
  StreamActivity a([] {}), b([] {}), c([] {});
  EXPECT_TRUE(streams.Add(&a));
  EXPECT_TRUE(streams.Add(&b));
  EXPECT_FALSE(streams.Add(&c));
  EXPECT_EQ(streams.open(), 2);
  streams.Remove(&a);
  EXPECT_TRUE(streams.Add(&c));
  EXPECT_EQ(streams.open(), 2);
}

TEST(IncrementStreamsTest, CancelsOnlyStreamsSilentForTheTimeoutAndOnce) {
  IncrementStreams streams(Limits(10, absl::Seconds(30)), 65536);
  int silent_cancels = 0, busy_cancels = 0;
  StreamActivity silent([&] { ++silent_cancels; });
  StreamActivity busy([&] { ++busy_cancels; });
  const absl::Time start = absl::FromUnixSeconds(1000);
  ASSERT_TRUE(streams.Add(&silent, start));
  ASSERT_TRUE(streams.Add(&busy, start));
  busy.Touch(start + absl::Seconds(20));

  EXPECT_EQ(streams.CancelIdle(start + absl::Seconds(29)), 0);
  EXPECT_EQ(streams.CancelIdle(start + absl::Seconds(31)), 1);
  EXPECT_EQ(silent_cancels, 1);
  EXPECT_TRUE(silent.cancelled_idle());
  EXPECT_FALSE(busy.cancelled_idle());
  // Already cancelled: not again, while its call winds down.
  EXPECT_EQ(streams.CancelIdle(start + absl::Seconds(49)), 0);
  EXPECT_EQ(streams.CancelIdle(start + absl::Seconds(51)), 1);
  EXPECT_EQ(silent_cancels, 1);
  EXPECT_EQ(busy_cancels, 1);
}

TEST(IncrementStreamsTest, InfiniteTimeoutNeverCancels) {
  IncrementStreams streams(Limits(10, absl::InfiniteDuration()), 65536);
  int cancels = 0;
  StreamActivity stream([&] { ++cancels; });
  ASSERT_TRUE(streams.Add(&stream, absl::FromUnixSeconds(0)));
  EXPECT_EQ(streams.CancelIdle(absl::FromUnixSeconds(1 << 30)), 0);
  EXPECT_EQ(cancels, 0);
}

grpc::ByteBuffer Serialized(const v1::IncrementRequest& request) {
  grpc::ByteBuffer buffer;
  grpc::ProtoBufferWriter writer(&buffer, 1024, request.ByteSizeLong());
  EXPECT_TRUE(request.SerializeToZeroCopyStream(&writer));
  return buffer;
}

v1::IncrementRequest WithJobs(int jobs) {
  v1::IncrementRequest request;
  request.set_client_id("client");
  for (int i = 0; i < jobs; ++i) {
    v1::JobCounts* counts = request.add_jobs();
    counts->set_job("job-" + std::to_string(i));
    counts->set_success(1);
  }
  return request;
}

TEST(DecodeIncrementTest, AcceptsAMessageWithinBothLimits) {
  grpc::ByteBuffer raw = Serialized(WithJobs(10));
  v1::IncrementRequest request;
  EXPECT_TRUE(DecodeIncrement(raw, 65536, 10, &request).ok());
  EXPECT_EQ(request.jobs_size(), 10);
  EXPECT_EQ(raw.Length(), 0u);
}

TEST(DecodeIncrementTest, RefusesAnOversizedMessageUnparsed) {
  grpc::ByteBuffer raw = Serialized(WithJobs(100));
  v1::IncrementRequest request;
  const absl::Status status = DecodeIncrement(raw, 100, 1000, &request);
  EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
  EXPECT_NE(status.message().find("--max_message_bytes=100"),
            absl::string_view::npos);
  EXPECT_EQ(request.jobs_size(), 0);
  EXPECT_EQ(raw.Length(), 0u);
}

TEST(DecodeIncrementTest, RefusesTooManyJobs) {
  grpc::ByteBuffer raw = Serialized(WithJobs(11));
  v1::IncrementRequest request;
  const absl::Status status = DecodeIncrement(raw, 65536, 10, &request);
  EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
  EXPECT_NE(status.message().find("--max_jobs_per_message=10"),
            absl::string_view::npos);
}

TEST(DecodeIncrementTest, RefusesBytesThatAreNoRequest) {
  const std::string garbage = "\xff\xff\xff\xff";
  grpc::Slice slice(garbage);
  grpc::ByteBuffer raw(&slice, 1);
  v1::IncrementRequest request;
  EXPECT_TRUE(
      absl::IsInvalidArgument(DecodeIncrement(raw, 65536, 10, &request)));
}

TEST(GrpcReceiveLimitTest, IsAboveTheDaemonsOwnLimit) {
  EXPECT_EQ(GrpcReceiveLimit(64 << 10), 4 << 20);
  EXPECT_EQ(GrpcReceiveLimit(8 << 20), 32 << 20);
  EXPECT_GT(GrpcReceiveLimit(1 << 30), 1 << 30);
}

TEST(RejectionLogTest, AllowsAFewLinesPerWindowPerKindThenCounts) {
  RejectionLog log(3, absl::Seconds(1));
  const absl::Time start = absl::FromUnixSeconds(1000);
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += log.Allow("flood", start);
  EXPECT_EQ(allowed, 3);
  // Another kind has its own allowance.
  EXPECT_TRUE(log.Allow("other", start));
  // Still the same window: nothing to sum up yet.
  EXPECT_EQ(log.ReportSuppressed(start + absl::Milliseconds(500)), 0u);
  EXPECT_EQ(log.ReportSuppressed(start + absl::Seconds(1)), 7u);
  // Said once.
  EXPECT_EQ(log.ReportSuppressed(start + absl::Seconds(3)), 0u);
  EXPECT_TRUE(log.Allow("flood", start + absl::Seconds(3)));
}

}  // namespace
}  // namespace progress
