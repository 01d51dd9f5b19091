// What probes and load balancers see while progressd shuts down: health
// turns NOT_SERVING first, calls are still served during --shutdown_delay,
// and nothing a client holds open keeps the daemon from exiting.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "child_process.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "progress/v1/progress.grpc.pb.h"

namespace progress {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using ::progress::testing::Daemon;

constexpr char kService[] = "progress.v1.ProgressTracker";

std::shared_ptr<grpc::Channel> ChannelTo(const Daemon& daemon) {
  return grpc::CreateChannel(daemon.address(),
                             grpc::InsecureChannelCredentials());
}

// A health Watch that stays open until its deadline.
class HealthWatch {
 public:
  explicit HealthWatch(Health::Stub* stub) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    HealthCheckRequest request;
    request.set_service(kService);
    reader_ = stub->Watch(&context_, request);
  }

  // The next status sent, or nullopt once the stream has ended.
  std::optional<HealthCheckResponse::ServingStatus> Next() {
    HealthCheckResponse response;
    if (!reader_->Read(&response)) return std::nullopt;
    return response.status();
  }

  // How the stream ended, once Next() has returned nullopt.
  grpc::Status Finish() { return reader_->Finish(); }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> reader_;
};

grpc::Status Check(Health::Stub* stub, HealthCheckResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  HealthCheckRequest request;
  request.set_service(kService);
  return stub->Check(&context, request, response);
}

grpc::Status StartJob(v1::ProgressTracker::Stub* stub, const std::string& job) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::StartJobRequest request;
  request.set_job(job);
  v1::StartJobResponse response;
  return stub->StartJob(&context, request, &response);
}

TEST(HealthShutdownTest, NotServingDuringTheDelayWhileCallsAreStillServed) {
  Daemon daemon({"--shutdown_delay=30s", "--shutdown_grace=1s"});
  ASSERT_GT(daemon.port(), 0);
  const auto channel = ChannelTo(daemon);
  auto health = Health::NewStub(channel);
  auto tracker = v1::ProgressTracker::NewStub(channel);
  HealthWatch watch(health.get());
  EXPECT_EQ(watch.Next(), HealthCheckResponse::SERVING);

  daemon.process().Signal(SIGTERM);
  // The change reaches watchers at once, not when the delay ends.
  EXPECT_EQ(watch.Next(), HealthCheckResponse::NOT_SERVING);
  HealthCheckResponse response;
  const grpc::Status checked = Check(health.get(), &response);
  ASSERT_TRUE(checked.ok()) << checked.error_message();
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
  // Workers still on their way are not turned away during the delay.
  const grpc::Status started = StartJob(tracker.get(), "late-arrival");
  EXPECT_TRUE(started.ok()) << started.error_message();

  // A second signal ends the delay (30 s) early.
  daemon.process().Signal(SIGTERM);
  const std::optional<int> exit_code =
      daemon.process().WaitForExit(absl::Seconds(15));
  ASSERT_TRUE(exit_code.has_value()) << "the second signal did not end it";
  EXPECT_EQ(*exit_code, 0);
  // Nothing after NOT_SERVING but the end of the stream.
  std::optional<HealthCheckResponse::ServingStatus> next;
  while ((next = watch.Next())) {
    EXPECT_EQ(next, HealthCheckResponse::NOT_SERVING);
  }
}

TEST(HealthShutdownTest, TheDelayEndsByItselfAndTheDaemonExitsZero) {
  Daemon daemon({"--shutdown_delay=1s", "--shutdown_grace=1s"});
  ASSERT_GT(daemon.port(), 0);
  daemon.process().Signal(SIGTERM);
  const std::optional<int> exit_code =
      daemon.process().WaitForExit(absl::Seconds(15));
  ASSERT_TRUE(exit_code.has_value());
  EXPECT_EQ(*exit_code, 0);
  EXPECT_NE(daemon.process().output().find("health is NOT_SERVING"),
            std::string::npos)
      << daemon.process().output();
}

TEST(HealthShutdownTest, AnOpenWatchDoesNotHoldTheShutdownForTheGrace) {
  // Without the delay, NOT_SERVING still comes first, and a watcher that
  // never hangs up must not keep the daemon for the whole grace (60 s).
  Daemon daemon({"--shutdown_grace=60s"});
  ASSERT_GT(daemon.port(), 0);
  auto health = Health::NewStub(ChannelTo(daemon));
  HealthWatch watch(health.get());
  EXPECT_EQ(watch.Next(), HealthCheckResponse::SERVING);
  daemon.process().Signal(SIGTERM);
  std::vector<HealthCheckResponse::ServingStatus> heard;
  while (auto next = watch.Next()) heard.push_back(*next);
  EXPECT_TRUE(watch.Finish().ok());
  EXPECT_EQ(heard, std::vector<HealthCheckResponse::ServingStatus>{
                       HealthCheckResponse::NOT_SERVING});
  // A client that stops polling its connection leaves the daemon waiting
  // for its goodbye a few seconds; a real one hangs up or keeps polling.
  health.reset();
  const std::optional<int> exit_code =
      daemon.process().WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit_code.has_value()) << "the watch held the shutdown";
  EXPECT_EQ(*exit_code, 0);
}

}  // namespace
}  // namespace progress
