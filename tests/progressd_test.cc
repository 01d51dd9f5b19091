// Tests of the progressd binary as a process: flags, help, signals.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "progress/v1/progress.grpc.pb.h"

extern char** environ;

namespace progress {
namespace {

using ::testing::HasSubstr;

// The output (stdout and stderr) and exit status of a command.
struct CommandResult {
  std::string output;
  int exit_code = -1;
};

CommandResult RunCommand(const std::string& command) {
  CommandResult run;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0)
    run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A progressd child process on a free loopback port.
class Daemon {
 public:
  explicit Daemon(std::vector<std::string> extra_flags) {
    port_file_ =
        absl::StrCat(::testing::TempDir(), "/progressd-port-", getpid());
    std::remove(port_file_.c_str());
    std::vector<std::string> args = {PROGRESSD_PATH, "--listen=127.0.0.1:0",
                                     "--port_file=" + port_file_};
    args.insert(args.end(), extra_flags.begin(), extra_flags.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, PROGRESSD_PATH, nullptr, nullptr, argv.data(),
                          environ),
              0);
  }

  ~Daemon() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::remove(port_file_.c_str());
  }

  // The bound port, once the daemon has written it; 0 on timeout.
  int WaitForPort(absl::Duration timeout = absl::Seconds(20)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      int port = 0;
      std::ifstream port_stream(port_file_);
      if (port_stream >> port && port > 0) return port;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return 0;
  }

  void Signal(int signal_number) { kill(pid_, signal_number); }

  // The exit code, if the daemon exits normally before the timeout.
  std::optional<int> WaitForExit(absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        return std::nullopt;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return std::nullopt;
  }

 private:
  pid_t pid_ = 0;
  std::string port_file_;
};

TEST(ProgressdTest, HelpDocumentsEveryFlagWithItsDefault) {
  const CommandResult run = RunCommand(absl::StrCat(PROGRESSD_PATH, " --help"));
  for (const char* flag :
       {"--listen", "--write_threads", "--read_threads", "--max_jobs",
        "--max_clients_per_job", "--max_job_name_bytes", "--shutdown_grace",
        "--log_level", "--max_message_bytes", "--rate_window", "--port_file"}) {
    EXPECT_THAT(run.output, HasSubstr(flag)) << flag;
  }
  EXPECT_THAT(run.output, HasSubstr("default: \"127.0.0.1:50051\""));
  EXPECT_THAT(run.output, HasSubstr("default: 5s"));
  EXPECT_THAT(run.output, HasSubstr("default: \"info\""));
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
  EXPECT_EQ(flags, 11u);
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
}

TEST(ProgressdTest, AddressInUseIsAClearStartupError) {
  Daemon first({});
  const int port = first.WaitForPort();
  ASSERT_GT(port, 0);
  const CommandResult second =
      RunCommand(absl::StrCat(PROGRESSD_PATH, " --listen=127.0.0.1:", port));
  EXPECT_NE(second.exit_code, 0);
  EXPECT_THAT(second.output, HasSubstr("cannot listen on 127.0.0.1:"));
}

TEST(ProgressdTest, SigtermWithOpenStreamsExitsZeroWithinTheGrace) {
  Daemon daemon({"--shutdown_grace=2s"});
  const int port = daemon.WaitForPort();
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

  daemon.Signal(SIGTERM);
  // The grace (2 s), plus room for a loaded machine to schedule the exit.
  const std::optional<int> exit_code = daemon.WaitForExit(absl::Seconds(2 + 5));
  ASSERT_TRUE(exit_code.has_value()) << "progressd did not exit";
  EXPECT_EQ(*exit_code, 0);
  for (auto& stream : streams) {
    stream->writer->WritesDone();
    EXPECT_FALSE(stream->writer->Finish().ok());
  }
}

TEST(ProgressdTest, SigintExitsZero) {
  Daemon daemon({});
  ASSERT_GT(daemon.WaitForPort(), 0);
  daemon.Signal(SIGINT);
  const std::optional<int> exit_code = daemon.WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(exit_code.has_value());
  EXPECT_EQ(*exit_code, 0);
}

}  // namespace
}  // namespace progress
