// gRPC health checking (grpc.health.v1) as probes and `progress-reporter
// --check` see it.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "test_server.h"

namespace progress {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

class HealthTest : public ::testing::Test {
 protected:
  grpc::Status Check(const std::string& service,
                     HealthCheckResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    HealthCheckRequest request;
    request.set_service(service);
    return stub_->Check(&context, request, response);
  }

  testing::TestServer server_;
  std::unique_ptr<Health::Stub> stub_ = Health::NewStub(grpc::CreateChannel(
      server_.address(), grpc::InsecureChannelCredentials()));
};

TEST_F(HealthTest, ServerAndServiceAreServing) {
  for (const std::string service : {"", "progress.v1.ProgressTracker"}) {
    HealthCheckResponse response;
    const grpc::Status status = Check(service, &response);
    ASSERT_TRUE(status.ok())
        << "'" << service << "': " << status.error_message();
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING) << service;
  }
}

TEST_F(HealthTest, UnknownServiceIsNotFound) {
  HealthCheckResponse response;
  EXPECT_EQ(Check("no.such.Service", &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(HealthTest, WatchOfAnUnknownServiceSaysSoAndStaysOpen) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  HealthCheckRequest request;
  request.set_service("no.such.Service");
  auto reader = stub_->Watch(&context, request);
  HealthCheckResponse response;
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVICE_UNKNOWN);
  context.TryCancel();
  EXPECT_FALSE(reader->Read(&response));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(HealthTest, ShutdownEndsEveryWatchPromptly) {
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<HealthCheckResponse>>> readers;
  for (const std::string service :
       {"", "progress.v1.ProgressTracker", "no.such.Service"}) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    HealthCheckRequest request;
    request.set_service(service);
    readers.push_back(stub_->Watch(contexts.back().get(), request));
    HealthCheckResponse first;
    ASSERT_TRUE(readers.back()->Read(&first)) << service;
  }
  // Far longer than the test's timeout: only ending the watches lets the
  // shutdown return.
  server_.server().Shutdown(absl::Hours(1));
  for (size_t i = 0; i < readers.size(); ++i) {
    std::vector<HealthCheckResponse::ServingStatus> heard;
    HealthCheckResponse response;
    while (readers[i]->Read(&response)) heard.push_back(response.status());
    EXPECT_TRUE(readers[i]->Finish().ok());
    // Known services hear NOT_SERVING before the end; the unknown one,
    // already told SERVICE_UNKNOWN, hears nothing more.
    EXPECT_EQ(
        heard,
        i < 2 ? std::vector<HealthCheckResponse::
                                ServingStatus>{HealthCheckResponse::NOT_SERVING}
              : std::vector<HealthCheckResponse::ServingStatus>{});
  }
}

}  // namespace
}  // namespace progress
