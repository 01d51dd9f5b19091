// Standard gRPC tooling against progressd: a client that knows nothing of
// our proto (reflection_client links none of it) lists the services and
// calls GetCounts from the descriptors server reflection hands it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "progress/client.hpp"

namespace progress {
namespace {

using ::progress::testing::CommandResult;
using ::progress::testing::Daemon;
using ::progress::testing::RunCommand;
using ::testing::HasSubstr;

CommandResult Reflect(const Daemon& daemon, const std::string& args) {
  return RunCommand(
      absl::StrCat(REFLECTION_CLIENT_PATH, " ", daemon.address(), " ", args));
}

TEST(ReflectionTest, ListsTheTrackerAndTheStandardServices) {
  Daemon daemon;
  ASSERT_GT(daemon.port(), 0);
  const CommandResult listed = Reflect(daemon, "list");
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr("progress.v1.ProgressTracker\n"));
  EXPECT_THAT(listed.output, HasSubstr("grpc.health.v1.Health\n"));
  EXPECT_THAT(listed.output,
              HasSubstr("grpc.reflection.v1alpha.ServerReflection\n"));
}

TEST(ReflectionTest, CallsStartJobAndGetCountsFromReflectedDescriptors) {
  Daemon daemon;
  ASSERT_GT(daemon.port(), 0);
  const CommandResult started =
      Reflect(daemon,
              "call progress.v1.ProgressTracker/StartJob "
              "'{\"job\": \"reflected\", \"expectedTotal\": \"40\"}'");
  ASSERT_EQ(started.exit_code, 0) << started.output;

  ClientOptions options;
  options.target = daemon.address();
  Client worker(options);
  Job job = worker.GetJob("reflected");
  job.AddSuccess(7);
  job.AddFailure(2);
  ASSERT_TRUE(worker.Flush(std::chrono::seconds(10)).ok());

  const CommandResult counts =
      Reflect(daemon,
              "call progress.v1.ProgressTracker/GetCounts "
              "'{\"job\": \"reflected\"}'");
  ASSERT_EQ(counts.exit_code, 0) << counts.output;
  // Field names come from the reflected descriptors (JSON names), and
  // 64-bit counts are JSON strings, as the proto3 JSON mapping has them.
  EXPECT_THAT(counts.output, HasSubstr("\"name\":\"reflected\""));
  EXPECT_THAT(counts.output, HasSubstr("\"success\":\"7\""));
  EXPECT_THAT(counts.output, HasSubstr("\"failure\":\"2\""));
  EXPECT_THAT(counts.output, HasSubstr("\"expectedTotal\":\"40\""));
}

TEST(ReflectionTest, AnUnknownMethodOrJobIsAClearError) {
  Daemon daemon;
  ASSERT_GT(daemon.port(), 0);
  const CommandResult unknown =
      Reflect(daemon, "call progress.v1.ProgressTracker/Nope '{}'");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("no method"));
  const CommandResult missing =
      Reflect(daemon,
              "call progress.v1.ProgressTracker/GetCounts "
              "'{\"job\": \"never-seen\"}'");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output, HasSubstr("failed: 5"));  // NOT_FOUND
}

}  // namespace
}  // namespace progress
