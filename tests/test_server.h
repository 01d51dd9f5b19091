#ifndef PROGRESS_TESTS_TEST_SERVER_H_
#define PROGRESS_TESTS_TEST_SERVER_H_

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "progress/v1/progress.grpc.pb.h"
#include "registry/job_registry.h"
#include "rpc/progress_server.h"

namespace progress::testing {

// A real ProgressServer on loopback, for tests that talk gRPC.
class TestServer {
 public:
  // Listens on 127.0.0.1:`port`; 0 picks a free port.
  explicit TestServer(RegistryOptions registry_options = {},
                      ServerOptions server_options = {}, int port = 0)
      : registry_(registry_options),
        server_(OnLoopback(server_options, port), &registry_) {
    const absl::Status started = server_.Start();
    EXPECT_TRUE(started.ok()) << started;
  }

  ~TestServer() { server_.Shutdown(absl::Seconds(1)); }

  std::string address() const {
    return absl::StrCat("127.0.0.1:", server_.port());
  }

  // A stub on a channel of its own, so tests can model separate processes.
  std::unique_ptr<v1::ProgressTracker::Stub> NewStub() const {
    return v1::ProgressTracker::NewStub(
        grpc::CreateChannel(address(), grpc::InsecureChannelCredentials()));
  }

  JobRegistry& registry() { return registry_; }
  ProgressServer& server() { return server_; }

 private:
  static ServerOptions OnLoopback(ServerOptions options, int port) {
    options.listen_address = absl::StrCat("127.0.0.1:", port);
    return options;
  }

  JobRegistry registry_;
  ProgressServer server_;
};

inline v1::JobCounts Counts(const std::string& job, uint64_t success,
                            uint64_t failure) {
  v1::JobCounts counts;
  counts.set_job(job);
  counts.set_success(success);
  counts.set_failure(failure);
  return counts;
}

inline v1::IncrementRequest Message(const std::string& client_id,
                                    const v1::JobCounts& counts) {
  v1::IncrementRequest request;
  request.set_client_id(client_id);
  *request.add_jobs() = counts;
  return request;
}

inline v1::IncrementRequest Message(const std::string& client_id,
                                    const std::vector<v1::JobCounts>& entries) {
  v1::IncrementRequest request;
  request.set_client_id(client_id);
  for (const v1::JobCounts& entry : entries) *request.add_jobs() = entry;
  return request;
}

// Sends `messages` on one Increment stream, closes it, and returns its
// status (and, if asked, the daemon's reply).
inline grpc::Status SendAll(v1::ProgressTracker::Stub& stub,
                            const std::vector<v1::IncrementRequest>& messages,
                            v1::IncrementResponse* response = nullptr) {
  grpc::ClientContext context;
  v1::IncrementResponse reply;
  auto writer = stub.Increment(&context, &reply);
  for (const auto& message : messages) {
    if (!writer->Write(message)) break;  // Finish says why.
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (response != nullptr) *response = reply;
  return status;
}

// GetCounts of `job`, with its gRPC status as an absl::Status.
inline absl::StatusOr<v1::Job> GetCounts(
    v1::ProgressTracker::Stub& stub, const std::string& job,
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

}  // namespace progress::testing

#endif  // PROGRESS_TESTS_TEST_SERVER_H_
