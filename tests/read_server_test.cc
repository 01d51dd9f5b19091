// progressd --read_listen: reads from a process of their own, answering as
// the daemon does, refusing writes, outliving nothing and restarted if lost.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "child_process.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "progress/v1/progress.grpc.pb.h"

namespace progress {
namespace {

using ::progress::testing::CommandResult;
using ::progress::testing::Daemon;
using ::progress::testing::RunCommand;
using ::testing::HasSubstr;
using Stub = v1::ProgressTracker::Stub;

// A daemon with --read_listen on a free port.
class ReadServing {
 public:
  explicit ReadServing(std::vector<std::string> flags = {})
      : port_file_(absl::StrCat(::testing::TempDir(), "/read-port-", getpid(),
                                "-", next_id_++)),
        daemon_(With(flags, port_file_)) {
    std::ifstream(port_file_) >> read_port_;
  }
  ~ReadServing() { std::remove(port_file_.c_str()); }

  Daemon& daemon() { return daemon_; }
  int read_port() const { return read_port_; }
  std::unique_ptr<Stub> Writer() { return StubTo(daemon_.port()); }
  std::unique_ptr<Stub> Reader() { return StubTo(read_port_); }

  // The read server: the daemon's only child.
  pid_t read_server_pid() {
    const CommandResult run =
        RunCommand(absl::StrCat("pgrep -P ", daemon_.process().pid()));
    return static_cast<pid_t>(std::atoi(run.output.c_str()));
  }

  static std::unique_ptr<Stub> StubTo(int port) {
    return v1::ProgressTracker::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

 private:
  static std::vector<std::string> With(std::vector<std::string> flags,
                                       const std::string& port_file) {
    flags.push_back("--read_listen=127.0.0.1:0");
    flags.push_back("--read_port_file=" + port_file);
    return flags;
  }

  static inline int next_id_ = 0;
  std::string port_file_;
  Daemon daemon_;
  int read_port_ = 0;
};

grpc::Status GetCounts(Stub& stub, const std::string& job, v1::Job* out) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::GetCountsRequest request;
  request.set_job(job);
  v1::GetCountsResponse response;
  grpc::Status status = stub.GetCounts(&context, request, &response);
  if (out != nullptr) *out = response.job();
  return status;
}

// Sends job's cumulative counts 1..n on one stream as one client.
void Report(Stub& stub, const std::string& job, uint64_t n) {
  grpc::ClientContext context;
  v1::IncrementResponse response;
  auto writer = stub.Increment(&context, &response);
  v1::IncrementRequest request;
  request.set_client_id("reader-test-" + job);
  for (uint64_t i = 1; i <= n; ++i) {
    request.clear_jobs();
    auto* counts = request.add_jobs();
    counts->set_job(job);
    counts->set_success(i);
    counts->set_failure(i / 10);
    ASSERT_TRUE(writer->Write(request));
  }
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
}

// What the read address says of `job` once it shows `success`.
v1::Job WaitForRead(Stub& reader, const std::string& job, uint64_t success) {
  v1::Job seen;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    if (GetCounts(reader, job, &seen).ok() && seen.success() >= success) break;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return seen;
}

TEST(ReadServerTest, ReadsOnTheReadAddressAreTheDaemons) {
  ReadServing serving;
  ASSERT_GT(serving.read_port(), 0) << serving.daemon().process().output();
  auto writer = serving.Writer();
  auto reader = serving.Reader();
  Report(*writer, "alpha", 1000);
  {
    grpc::ClientContext context;
    v1::StartJobRequest start;
    start.set_job("beta");
    start.set_expected_total(50);
    v1::StartJobResponse started;
    ASSERT_TRUE(writer->StartJob(&context, start, &started).ok());
  }
  {
    grpc::ClientContext context;
    v1::FinishJobRequest finish;
    finish.set_job("alpha");
    v1::FinishJobResponse finished;
    ASSERT_TRUE(writer->FinishJob(&context, finish, &finished).ok());
  }
  // FinishJob came last: once the read address shows it, it shows all.
  v1::Job read, beta;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline &&
         !(GetCounts(*reader, "alpha", &read).ok() && read.done())) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_TRUE(GetCounts(*reader, "beta", &beta).ok());
  v1::Job direct;
  ASSERT_TRUE(GetCounts(*writer, "alpha", &direct).ok());
  EXPECT_EQ(read.success(), 1000u);
  EXPECT_EQ(read.failure(), 100u);
  EXPECT_EQ(read.clients(), direct.clients());
  EXPECT_TRUE(read.done());
  EXPECT_EQ(read.finish_time().seconds(), direct.finish_time().seconds());
  EXPECT_EQ(beta.expected_total(), 50u);

  // Pages as the daemon pages them.
  for (auto* stub : {writer.get(), reader.get()}) {
    grpc::ClientContext context;
    v1::ListJobsRequest request;
    request.set_page_size(1);
    v1::ListJobsResponse page;
    ASSERT_TRUE(stub->ListJobs(&context, request, &page).ok());
    ASSERT_EQ(page.jobs_size(), 1);
    EXPECT_EQ(page.jobs(0).name(), "alpha");
    EXPECT_EQ(page.next_page_token(), "alpha");
    grpc::ClientContext next_context;
    request.set_page_token(page.next_page_token());
    v1::ListJobsResponse next;
    ASSERT_TRUE(stub->ListJobs(&next_context, request, &next).ok());
    ASSERT_EQ(next.jobs_size(), 1);
    EXPECT_EQ(next.jobs(0).name(), "beta");
    EXPECT_EQ(next.next_page_token(), "");
  }
}

TEST(ReadServerTest, TheReadAddressRefusesWritesAndBadNamesAsTheDaemonDoes) {
  ReadServing serving;
  auto reader = serving.Reader();
  EXPECT_EQ(GetCounts(*reader, "nobody", nullptr).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetCounts(*reader, "not a name", nullptr).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext list_context;
  v1::ListJobsRequest list;
  list.set_page_token("../etc");
  v1::ListJobsResponse listed;
  EXPECT_EQ(reader->ListJobs(&list_context, list, &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  grpc::ClientContext start_context;
  v1::StartJobRequest start;
  start.set_job("gamma");
  v1::StartJobResponse started;
  const grpc::Status refused =
      reader->StartJob(&start_context, start, &started);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("--listen"));

  grpc::ClientContext stream_context;
  v1::IncrementResponse response;
  auto stream = reader->Increment(&stream_context, &response);
  v1::IncrementRequest request;
  request.set_client_id("misdirected-worker");
  request.add_jobs()->set_job("gamma");
  stream->Write(request);
  stream->WritesDone();
  EXPECT_EQ(stream->Finish().error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(GetCounts(*serving.Writer(), "gamma", nullptr).error_code(),
            grpc::StatusCode::NOT_FOUND);

  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", serving.read_port()),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext health_context;
  grpc::health::v1::HealthCheckResponse checked;
  ASSERT_TRUE(health->Check(&health_context, {}, &checked).ok());
  EXPECT_EQ(checked.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST(ReadServerTest, AKilledReadServerIsStartedAgainOnItsPort) {
  ReadServing serving;
  auto writer = serving.Writer();
  Report(*writer, "delta", 10);
  const pid_t first = serving.read_server_pid();
  ASSERT_GT(first, 0);
  ASSERT_EQ(kill(first, SIGKILL), 0);
  auto reader = serving.Reader();
  const v1::Job read = WaitForRead(*reader, "delta", 10);
  EXPECT_EQ(read.success(), 10u);
  EXPECT_NE(serving.read_server_pid(), first);
  EXPECT_TRUE(serving.daemon().process().WaitForOutput(
      "the read server process killed by Killed; starting it again"));
}

bool Gone(pid_t pid, absl::Duration within) {
  const absl::Time deadline = absl::Now() + within;
  while (absl::Now() < deadline) {
    std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
    std::string pid_field, name, state;
    if (!(stat >> pid_field >> name >> state) || state == "Z") return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

TEST(ReadServerTest, TheReadServerEndsWithTheDaemonHoweverItEnds) {
  ReadServing stopped;
  const pid_t stopped_reads = stopped.read_server_pid();
  ASSERT_GT(stopped_reads, 0);
  stopped.daemon().process().Signal(SIGTERM);
  EXPECT_EQ(stopped.daemon().process().WaitForExit(absl::Seconds(10)), 0);
  EXPECT_TRUE(Gone(stopped_reads, absl::Seconds(1)));

  ReadServing killed;
  const pid_t killed_reads = killed.read_server_pid();
  ASSERT_GT(killed_reads, 0);
  killed.daemon().process().Signal(SIGKILL);
  EXPECT_TRUE(Gone(killed_reads, absl::Seconds(5)));
}

int NiceOf(pid_t tid) { return getpriority(PRIO_PROCESS, tid); }

TEST(ReadServerTest, WriteNiceLowersTheDaemonButNotItsReadServer) {
  ReadServing serving({"--write_nice=7"});
  const pid_t daemon = serving.daemon().process().pid();
  EXPECT_EQ(NiceOf(daemon), 7);
  const CommandResult tasks =
      RunCommand(absl::StrCat("ls /proc/", daemon, "/task"));
  std::istringstream tids(tasks.output);
  for (pid_t tid; tids >> tid;) {
    std::string name;
    std::ifstream(absl::StrCat("/proc/", daemon, "/task/", tid, "/comm")) >>
        name;
    // The publisher also starts the read server again, which would inherit
    // its priority: it keeps normal.
    EXPECT_EQ(NiceOf(tid), name == "publish" ? 0 : 7) << name;
  }
  EXPECT_EQ(NiceOf(serving.read_server_pid()), 0);
}

TEST(ReadServerTest, ARestartedReadServerKeepsNormalPriority) {
  ReadServing serving({"--write_nice=7"});
  const pid_t first = serving.read_server_pid();
  ASSERT_EQ(kill(first, SIGKILL), 0);
  pid_t second = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while ((second == 0 || second == first) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
    second = serving.read_server_pid();
  }
  ASSERT_NE(second, first);
  EXPECT_EQ(NiceOf(second), 0);
}

TEST(ReadServerTest, AGroupSigtermLeavesReadsServedThroughTheShutdownDelay) {
  ReadServing serving({"--shutdown_delay=2s"});
  auto writer = serving.Writer();
  Report(*writer, "epsilon", 5);
  auto reader = serving.Reader();
  ASSERT_EQ(WaitForRead(*reader, "epsilon", 5).success(), 5u);
  // What Ctrl-C or systemd sends: every process of the group.
  const pid_t reads = serving.read_server_pid();
  serving.daemon().process().Signal(SIGTERM);
  kill(reads, SIGTERM);
  absl::SleepFor(absl::Milliseconds(500));
  v1::Job during;
  EXPECT_TRUE(GetCounts(*reader, "epsilon", &during).ok());
  EXPECT_EQ(during.success(), 5u);
  EXPECT_EQ(serving.read_server_pid(), reads);
  EXPECT_EQ(serving.daemon().process().WaitForExit(absl::Seconds(15)), 0);
  EXPECT_THAT(serving.daemon().process().output(),
              ::testing::Not(HasSubstr("starting it again")));
  EXPECT_TRUE(Gone(reads, absl::Seconds(1)));
}

TEST(ReadServerTest, ReadsFailUnavailableWhenTheDaemonStopsUpdating) {
  ReadServing serving;
  Report(*serving.Writer(), "zeta", 3);
  auto reader = serving.Reader();
  ASSERT_EQ(WaitForRead(*reader, "zeta", 3).success(), 3u);
  serving.daemon().process().Signal(SIGSTOP);
  absl::SleepFor(absl::Seconds(6));
  const grpc::Status stale = GetCounts(*reader, "zeta", nullptr);
  serving.daemon().process().Signal(SIGCONT);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(stale.error_message(), HasSubstr("has not updated"));
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!GetCounts(*reader, "zeta", nullptr).ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(GetCounts(*reader, "zeta", nullptr).ok());
}

TEST(ReadServerTest, JobsRestoredBeyondTodaysLimitsAreAllOnTheReadAddress) {
  const std::string state =
      absl::StrCat(::testing::TempDir(), "/read-restore-", getpid());
  std::remove(state.c_str());
  constexpr int kJobs = 300;
  {
    Daemon daemon({"--state_file=" + state});
    auto stub = ReadServing::StubTo(daemon.port());
    for (int i = 0; i < kJobs; ++i) {
      grpc::ClientContext context;
      v1::StartJobRequest start;
      start.set_job(absl::StrCat("restored-job-with-a-long-name-", 1000 + i));
      v1::StartJobResponse started;
      ASSERT_TRUE(stub->StartJob(&context, start, &started).ok());
    }
    daemon.process().Signal(SIGTERM);
    ASSERT_EQ(daemon.process().WaitForExit(absl::Seconds(10)), 0);
  }
  ReadServing serving({"--state_file=" + state, "--max_jobs=10"});
  auto reader = serving.Reader();
  int listed = 0;
  std::string token;
  do {
    grpc::ClientContext context;
    v1::ListJobsRequest request;
    request.set_page_size(1000);
    request.set_page_token(token);
    v1::ListJobsResponse page;
    ASSERT_TRUE(reader->ListJobs(&context, request, &page).ok());
    listed += page.jobs_size();
    token = page.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(listed, kJobs);
  EXPECT_THAT(serving.daemon().process().output(),
              ::testing::Not(HasSubstr("read server not updated")));
  std::remove(state.c_str());
}

TEST(ReadServerTest, BadReadFlagsAreClearStartupErrors) {
  // After a bare --, flags would be ignored unseen.
  const CommandResult dashed = RunCommand(absl::StrCat(
      PROGRESSD_PATH, " --listen=127.0.0.1:0 --metrics_listen= -- --x=1"));
  EXPECT_EQ(dashed.exit_code, 2);
  EXPECT_THAT(dashed.output, HasSubstr("takes flags only"));
  const CommandResult lone = RunCommand(
      absl::StrCat(PROGRESSD_PATH, " --listen=127.0.0.1:0 --read_port_file=x"));
  EXPECT_NE(lone.exit_code, 0);
  EXPECT_THAT(lone.output, HasSubstr("--read_port_file needs --read_listen"));
  const CommandResult nice = RunCommand(
      absl::StrCat(PROGRESSD_PATH, " --listen=127.0.0.1:0 --write_nice=20"));
  EXPECT_THAT(nice.output, HasSubstr("--write_nice must be 0 to 19"));
  Daemon other;
  const CommandResult taken = RunCommand(absl::StrCat(
      PROGRESSD_PATH, " --listen=127.0.0.1:0 --metrics_listen= --read_listen=",
      other.address()));
  EXPECT_NE(taken.exit_code, 0);
  EXPECT_THAT(taken.output, HasSubstr("cannot serve --read_listen"));
}

}  // namespace
}  // namespace progress
