// gRPC health checking (grpc.health.v1) as probes and `progress-reporter
// --check` see it.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

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

}  // namespace
}  // namespace progress
