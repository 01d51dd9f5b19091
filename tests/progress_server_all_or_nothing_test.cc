// Increment messages over gRPC are all or nothing: a refused message leaves no
// job, no client entry and no counter change; one client cannot make a job
// unusable for others; keepalives change nothing.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

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

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

std::vector<std::string> JobNames(v1::ProgressTracker::Stub& stub) {
  grpc::ClientContext context;
  v1::ListJobsRequest request;
  v1::ListJobsResponse response;
  EXPECT_TRUE(stub.ListJobs(&context, request, &response).ok());
  std::vector<std::string> names;
  for (const v1::Job& job : response.jobs()) names.push_back(job.name());
  return names;
}

class AllOrNothingTest : public ::testing::Test {
 protected:
  static RegistryOptions Limits() {
    RegistryOptions options;
    options.limits.max_jobs = 2;
    options.limits.max_clients_per_job = 4;
    return options;
  }

  AllOrNothingTest() : server_(Limits()), stub_(server_.NewStub()) {}

  void ExpectNoJob(const std::string& job) {
    EXPECT_EQ(GetCounts(*stub_, job).status().code(),
              absl::StatusCode::kNotFound)
        << job;
  }

  uint64_t ClientCursors() { return server_.registry().Stats().client_cursors; }

  const uint64_t cap_ = kMax / 4;
  TestServer server_;
  std::unique_ptr<v1::ProgressTracker::Stub> stub_;
};

TEST_F(AllOrNothingTest, ValueOverTheCapCreatesNoJobForTheEntryBeforeIt) {
  grpc::Status status = SendAll(
      *stub_, {Message("w1", {Counts("a", 7, 0), Counts("b", cap_ + 1, 0)})});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(status.error_message(), HasSubstr("'b'"));
  ExpectNoJob("a");
  EXPECT_THAT(JobNames(*stub_), ::testing::IsEmpty());
  EXPECT_EQ(ClientCursors(), 0u);
}

TEST_F(AllOrNothingTest, BadNameCreatesNoJobOrClientForTheEntryBeforeIt) {
  grpc::Status status = SendAll(
      *stub_, {Message("w1", {Counts("c", 3, 0), Counts("bad/name", 1, 0)})});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ExpectNoJob("c");
  EXPECT_EQ(ClientCursors(), 0u);
}

TEST_F(AllOrNothingTest, PastTheJobLimitLeavesTheExistingJobAlone) {
  ASSERT_TRUE(SendAll(*stub_, {Message("w1", Counts("d", 5, 1))}).ok());
  ASSERT_TRUE(SendAll(*stub_, {Message("w1", Counts("other", 1, 0))}).ok());
  const uint64_t cursors = ClientCursors();
  grpc::Status status =
      SendAll(*stub_, {Message("w2", {Counts("d", 3, 0), Counts("e", 1, 0)})});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("--max_jobs"));
  auto d = GetCounts(*stub_, "d");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->success(), 5u);
  EXPECT_EQ(d->failure(), 1u);
  EXPECT_EQ(d->clients(), 1u);
  ExpectNoJob("e");
  EXPECT_EQ(ClientCursors(), cursors);
}

TEST_F(AllOrNothingTest, JobNamedTwiceInOneMessageAppliesNothing) {
  // A job this stream has not named before...
  grpc::Status status = SendAll(
      *stub_, {Message("w1", {Counts("twice", 1, 0), Counts("twice", 2, 0)})});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("job 'twice' appears twice in one message"));
  ExpectNoJob("twice");

  // ...and one it already resolved.
  status = SendAll(
      *stub_, {Message("w1", Counts("seen", 1, 0)),
               Message("w1", {Counts("seen", 5, 0), Counts("seen", 6, 0)})});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GetCounts(*stub_, "seen")->success(), 1u);
}

TEST_F(AllOrNothingTest, OneClientOverTheCapDoesNotBlockOthers) {
  ASSERT_TRUE(
      SendAll(*stub_, {Message("modest", Counts("shared", 4, 1))}).ok());
  grpc::Status greedy =
      SendAll(*stub_, {Message("greedy", Counts("shared", kMax - 5, 0))});
  EXPECT_EQ(greedy.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  for (const char* client : {"modest", "late"}) {
    EXPECT_TRUE(
        SendAll(*stub_, {Message(client, Counts("shared", 10, 2))}).ok())
        << client;
  }
  auto shared = GetCounts(*stub_, "shared");
  ASSERT_TRUE(shared.ok()) << shared.status();
  EXPECT_EQ(shared->success(), 20u);
  EXPECT_EQ(shared->failure(), 4u);
  EXPECT_EQ(shared->clients(), 2u);
}

TEST_F(AllOrNothingTest, KeepalivesChangeNothingAndAreNotCountedAsApplied) {
  v1::IncrementRequest keepalive;
  const uint64_t messages_before =
      server_.server().stats().increment_messages();
  v1::IncrementResponse response;
  grpc::Status status =
      SendAll(*stub_,
              {Message("w1", Counts("kept", 7, 3)), keepalive,
               Message("w1", Counts("kept", 9, 3)), keepalive},
              &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  auto kept = GetCounts(*stub_, "kept");
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->success(), 9u);
  EXPECT_EQ(kept->failure(), 3u);
  ASSERT_EQ(response.recorded_size(), 1);
  EXPECT_EQ(response.recorded(0).success(), 9u);
  EXPECT_EQ(server_.server().stats().increment_messages(), messages_before + 2);
}

TEST_F(AllOrNothingTest, FirstMessageMayBeAKeepaliveWithTheClientId) {
  v1::IncrementRequest hello;
  hello.set_client_id("w1");
  grpc::Status status =
      SendAll(*stub_, {hello, Message("", Counts("later", 4, 0))});
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(GetCounts(*stub_, "later")->success(), 4u);

  // Without the client id the first message is still refused.
  status = SendAll(*stub_, {v1::IncrementRequest()});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("client_id"));
}

}  // namespace
}  // namespace progress
