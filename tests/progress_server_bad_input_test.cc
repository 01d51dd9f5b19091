// Bad input over gRPC gets a precise status and changes no counter.
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

TEST_F(BadInputTest, ValueAboveThePerClientCapIsOutOfRange) {
  // Two clients per job: each may report up to (2^64 - 1) / 2.
  const uint64_t cap = std::numeric_limits<uint64_t>::max() / 2;
  grpc::Status status =
      SendAll(*stub_, {Message("other", Counts("known", 0, cap + 1))});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(status.error_message(), HasSubstr("'known'"));
  EXPECT_THAT(status.error_message(), HasSubstr(std::to_string(cap + 1)));
  EXPECT_THAT(status.error_message(), HasSubstr(std::to_string(cap)));
  ExpectKnownUnchanged();
  EXPECT_EQ(GetCounts(*stub_, "known")->clients(), 1u);
  // Exactly the cap is accepted.
  EXPECT_TRUE(
      SendAll(*stub_, {Message("other", Counts("known", 0, cap))}).ok());
  EXPECT_EQ(GetCounts(*stub_, "known")->failure(), cap + 3);
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

}  // namespace
}  // namespace progress
