// Tests of the progressd binary as a process: flags, help, signals.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "child_process.h"
#include "progress/v1/progress.grpc.pb.h"

namespace progress {
namespace {

using ::progress::testing::CommandResult;
using ::progress::testing::Daemon;
using ::progress::testing::RunCommand;
using ::testing::HasSubstr;

TEST(ProgressdTest, HelpDocumentsEveryFlagWithItsDefault) {
  const CommandResult run = RunCommand(absl::StrCat(PROGRESSD_PATH, " --help"));
  for (const char* flag : {"--listen",
                           "--write_threads",
                           "--read_threads",
                           "--max_jobs",
                           "--max_clients_per_job",
                           "--max_job_name_bytes",
                           "--shutdown_grace",
                           "--log_level",
                           "--max_message_bytes",
                           "--rate_window",
                           "--port_file",
                           "--metrics_listen",
                           "--metrics_port_file",
                           "--finished_job_ttl",
                           "--client_ttl",
                           "--tombstone_ttl",
                           "--shutdown_delay",
                           "--tls_cert",
                           "--tls_key",
                           "--tls_client_ca",
                           "--state_file",
                           "--snapshot_interval",
                           "--max_jobs_per_message",
                           "--max_streams",
                           "--stream_idle_timeout",
                           "--keepalive_time",
                           "--keepalive_timeout",
                           "--max_connection_idle",
                           "--read_listen",
                           "--read_port_file",
                           "--read_publish_interval",
                           "--write_nice"}) {
    EXPECT_THAT(run.output, HasSubstr(flag)) << flag;
  }
  EXPECT_THAT(run.output, HasSubstr("default: \"127.0.0.1:50051\""));
  EXPECT_THAT(run.output, HasSubstr("default: 5s"));
  EXPECT_THAT(run.output, HasSubstr("default: \"info\""));
  EXPECT_THAT(run.output, HasSubstr("3 --state_file unusable"));
  // Each flag line is followed by its default.
  size_t flags = 0, defaults = 0;
  for (size_t at = run.output.find("\n    --"); at != std::string::npos;
       at = run.output.find("\n    --", at + 1)) {
    ++flags;
  }
  for (size_t at = run.output.find("default:"); at != std::string::npos;
       at = run.output.find("default:", at + 1)) {
    ++defaults;
  }
  EXPECT_EQ(flags, 32u);
  EXPECT_EQ(defaults, flags);
}

TEST(ProgressdTest, BadFlagValueIsAClearStartupError) {
  const CommandResult run =
      RunCommand(absl::StrCat(PROGRESSD_PATH, " --max_jobs=0"));
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.output, HasSubstr("--max_jobs"));
  const CommandResult level =
      RunCommand(absl::StrCat(PROGRESSD_PATH, " --log_level=loud"));
  EXPECT_NE(level.exit_code, 0);
  EXPECT_THAT(level.output, HasSubstr("unknown level 'loud'"));
  // Below what the client library sends, every client would be refused.
  const CommandResult small =
      RunCommand(absl::StrCat(PROGRESSD_PATH, " --max_message_bytes=8192"));
  EXPECT_NE(small.exit_code, 0);
  EXPECT_THAT(small.output, HasSubstr("--max_message_bytes must be at least"));
  const CommandResult few =
      RunCommand(absl::StrCat(PROGRESSD_PATH, " --max_jobs_per_message=999"));
  EXPECT_NE(few.exit_code, 0);
  EXPECT_THAT(few.output,
              HasSubstr("--max_jobs_per_message must be at least 1000"));
  const CommandResult long_grace =
      RunCommand(absl::StrCat(PROGRESSD_PATH, " --shutdown_grace=11m"));
  EXPECT_NE(long_grace.exit_code, 0);
  EXPECT_THAT(long_grace.output,
              HasSubstr("--shutdown_grace must be at most 10m"));
  const CommandResult hasty =
      RunCommand(absl::StrCat(PROGRESSD_PATH, " --stream_idle_timeout=100ms"));
  EXPECT_NE(hasty.exit_code, 0);
  EXPECT_THAT(hasty.output, HasSubstr("--stream_idle_timeout"));
}

TEST(ProgressdTest, AddressInUseIsAClearStartupError) {
  Daemon first;
  const int port = first.port();
  ASSERT_GT(port, 0);
  const CommandResult second =
      RunCommand(absl::StrCat(PROGRESSD_PATH, " --listen=127.0.0.1:", port));
  EXPECT_NE(second.exit_code, 0);
  EXPECT_THAT(second.output, HasSubstr("cannot listen on 127.0.0.1:"));
}

TEST(ProgressdTest, SigtermWithOpenStreamsExitsZeroWithinTheGrace) {
  Daemon daemon({"--shutdown_grace=2s"});
  const int port = daemon.port();
  ASSERT_GT(port, 0);
  auto stub = v1::ProgressTracker::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));

  // Streams that never close on their own.
  struct OpenStream {
    grpc::ClientContext context;
    v1::IncrementResponse response;
    std::unique_ptr<grpc::ClientWriter<v1::IncrementRequest>> writer;
  };
  std::vector<std::unique_ptr<OpenStream>> streams;
  for (int i = 0; i < 4; ++i) {
    auto stream = std::make_unique<OpenStream>();
    stream->writer = stub->Increment(&stream->context, &stream->response);
    v1::IncrementRequest request;
    request.set_client_id("open-" + std::to_string(i));
    auto* counts = request.add_jobs();
    counts->set_job("shutdown");
    counts->set_success(1);
    ASSERT_TRUE(stream->writer->Write(request));
    streams.push_back(std::move(stream));
  }
  // The messages reached the daemon before the signal.
  {
    grpc::ClientContext context;
    v1::GetCountsRequest request;
    request.set_job("shutdown");
    v1::GetCountsResponse response;
    for (int attempt = 0; attempt < 200 && response.job().success() < 4;
         ++attempt) {
      grpc::ClientContext retry;
      stub->GetCounts(&retry, request, &response);
      absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_EQ(response.job().success(), 4u);
  }

  daemon.process().Signal(SIGTERM);
  // The grace (2 s), plus room for a loaded machine to schedule the exit.
  const std::optional<int> exit_code =
      daemon.process().WaitForExit(absl::Seconds(2 + 5));
  ASSERT_TRUE(exit_code.has_value()) << "progressd did not exit";
  EXPECT_EQ(*exit_code, 0);
  for (auto& stream : streams) {
    stream->writer->WritesDone();
    EXPECT_FALSE(stream->writer->Finish().ok());
  }
}

TEST(ProgressdTest, SigintExitsZero) {
  Daemon daemon;
  ASSERT_GT(daemon.port(), 0);
  daemon.process().Signal(SIGINT);
  const std::optional<int> exit_code =
      daemon.process().WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(exit_code.has_value());
  EXPECT_EQ(*exit_code, 0);
}

}  // namespace
}  // namespace progress
