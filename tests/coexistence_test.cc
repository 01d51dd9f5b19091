// A host process with gRPC of its own (Debian's shared libgrpc++ here, Ray's
// in real life) serves and calls gRPC while it uses the client library,
// which carries a private static gRPC: two gRPC cores in one process, each
// of which must keep to its own state (init and shutdown, pollers, timers).
//
// The host links no progress.proto code: Protobuf is still shared between
// the library and the host (see cmake/StaticGrpc.cmake), and a second
// registration of the same .proto file in one Protobuf aborts the process.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <link.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "child_process.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "progress/client.h"

namespace progress {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::progress::testing::Daemon;

// Whether a shared object whose path contains `name` is loaded.
bool Loaded(const std::string& name) {
  struct Search {
    std::string name;
    bool found = false;
  } search{name};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* search = static_cast<Search*>(data);
        if (absl::StrContains(info->dlpi_name, search->name)) {
          search->found = true;
        }
        return 0;
      },
      &search);
  return search.found;
}

// The host's own gRPC server (the shared gRPC) on a free loopback port,
// with a health service that always answers SERVING.
class HostServer {
 public:
  HostServer() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~HostServer() { server_->Shutdown(); }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  int port() const { return port_; }

 private:
  class AlwaysServing : public Health::Service {
    grpc::Status Check(grpc::ServerContext*, const HealthCheckRequest*,
                       HealthCheckResponse* response) override {
      response->set_status(HealthCheckResponse::SERVING);
      return grpc::Status::OK;
    }
  };

  AlwaysServing service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// A health check through the host's gRPC; true when SERVING.
bool Serving(Health::Stub& stub) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  HealthCheckRequest request;
  HealthCheckResponse response;
  return stub.Check(&context, request, &response).ok() &&
         response.status() == HealthCheckResponse::SERVING;
}

std::unique_ptr<Health::Stub> HealthStub(const std::string& address) {
  return Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

// A library client of its own (not the default one), flushing often.
class LibraryClient {
 public:
  explicit LibraryClient(const std::string& target) {
    progress_client_options options;
    progress_client_options_init(&options);
    options.target = target.c_str();
    options.flush_interval_ms = 20;
    EXPECT_EQ(progress_client_create(&options, &client_), 0)
        << progress_last_error();
  }
  ~LibraryClient() { progress_client_destroy(client_); }

  progress_job* Job(const char* name) {
    progress_job* job = nullptr;
    EXPECT_EQ(progress_client_job(client_, name, &job), 0)
        << progress_last_error();
    return job;
  }
  int Flush() { return progress_client_flush(client_, 10000); }
  progress_job_info Counts(const char* name) {
    progress_job_info info{};
    EXPECT_EQ(progress_client_get_counts(client_, name, 10000, &info), 0)
        << progress_last_error();
    return info;
  }

 private:
  progress_client* client_ = nullptr;
};

// Without the shared gRPC loaded the other test would prove nothing.
TEST(CoexistenceTest, TheProcessLoadsTheSharedGrpcAndTheLibrary) {
  EXPECT_TRUE(Loaded("/libgrpc++.so")) << "the test links no shared gRPC";
  EXPECT_TRUE(Loaded("/libgrpc.so")) << "the test links no shared gRPC";
  EXPECT_TRUE(Loaded("/libprogress_client.so"));
}

TEST(CoexistenceTest, BothGrpcCopiesServeAndCallAtOnce) {
  Daemon daemon;
  ASSERT_GT(daemon.port(), 0);
  LibraryClient client(daemon.address());
  progress_job* job = client.Job("both-copies");
  progress_job_add_success(job, 1);
  ASSERT_EQ(client.Flush(), 0) << progress_last_error();

  auto host_server = std::make_unique<HostServer>();
  ASSERT_GT(host_server->port(), 0);
  std::atomic<bool> done{false};
  std::atomic<int> host_calls{0};
  std::atomic<int> host_failures{0};
  std::thread host([&] {
    // The host's channels busy for the whole run: its own server and the
    // daemon's health service, alternating.
    auto own = HealthStub(host_server->address());
    auto daemon_health = HealthStub(daemon.address());
    while (!done.load() || host_calls.load() < 10) {
      if (Serving(*own) && Serving(*daemon_health)) {
        ++host_calls;
      } else {
        ++host_failures;
      }
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([job] {
      for (int i = 0; i < 20000; ++i) {
        progress_job_add_success(job, 1);
        if (i % 100 == 0) progress_job_add_failure(job, 1);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  const int flushed = client.Flush();
  done = true;
  host.join();
  ASSERT_EQ(flushed, 0) << progress_last_error();
  EXPECT_GE(host_calls.load(), 10);
  EXPECT_EQ(host_failures.load(), 0);
  progress_job_info info = client.Counts("both-copies");
  EXPECT_EQ(info.success, 80001u);
  EXPECT_EQ(info.failure, 800u);

  // The host's gRPC shuts down (its last server and channels go); the
  // library's, a separate copy, carries on.
  host_server.reset();
  progress_job_add_success(job, 9);
  ASSERT_EQ(client.Flush(), 0) << progress_last_error();
  info = client.Counts("both-copies");
  EXPECT_EQ(info.success, 80010u);
}

}  // namespace
}  // namespace progress
