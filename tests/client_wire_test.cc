// What the client library sends, as a stand-in daemon (increment_recorder)
// prints it: only the final flush's stream is `closing`, and it names every
// job; jobs delivered and idle past the forget time are no longer resent
// after a reconnect, yet are sent again whole once they change.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "child_process.h"
#include "progress/client.hpp"
#include "recorder_process.h"

namespace progress {
namespace {

using ::progress::testing::Closing;
using ::progress::testing::Daemon;
using ::progress::testing::Recorder;
using ::progress::testing::Stream;
using ::progress::testing::Values;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;
using namespace std::chrono_literals;

ClientOptions To(const std::string& target) {
  ClientOptions options;
  options.target = target;
  options.flush_interval = 20ms;
  options.forget_after = 200ms;
  return options;
}

// Long enough for a job to pass the forget time of To().
void PassTheForgetTime() { absl::SleepFor(absl::Milliseconds(300)); }

TEST(ClientWireTest, OnlyTheFinalFlushClosesAndItNamesEveryJob) {
  Recorder recorder;
  Client client(To(recorder.address()));
  Job a = client.GetJob("a"), b = client.GetJob("b"), c = client.GetJob("c");
  a.AddSuccess(1);
  b.AddSuccess(2);
  b.AddFailure(1);
  c.AddFailure(3);
  ASSERT_TRUE(client.Flush(10s).ok());
  a.AddSuccess(10);  // Only `a` changes: the periodic send carries it alone.
  ASSERT_TRUE(recorder.WaitFor("a:11:0"));
  const std::map<int, Stream> before = recorder.Streams();
  EXPECT_THAT(Closing(before), IsEmpty());

  const Status shutdown = client.Shutdown(10s);
  ASSERT_TRUE(shutdown.ok()) << shutdown.ToString();
  const std::map<int, Stream> streams = recorder.StreamsOnceClosed();
  const std::vector<const Stream*> closing = Closing(streams);
  ASSERT_THAT(closing, SizeIs(1));
  EXPECT_EQ(closing[0], &streams.rbegin()->second);  // The last stream.
  EXPECT_THAT(closing[0]->closing, Each(true));
  EXPECT_EQ(closing[0]->end, "OK");
  EXPECT_THAT(closing[0]->jobs,
              ElementsAre(Pair("a", Values{11, 0}), Pair("b", Values{2, 1}),
                          Pair("c", Values{0, 3})));
}

TEST(ClientWireTest, EveryMessageOfALongClosingStreamCloses) {
  Recorder recorder;
  Client client(To(recorder.address()));
  constexpr int kJobs = 1500;  // More than one message holds.
  for (int i = 0; i < kJobs; ++i) {
    client.GetJob(absl::StrCat("job-", i)).AddSuccess(i + 1);
  }
  const Status shutdown = client.Shutdown(30s);
  ASSERT_TRUE(shutdown.ok()) << shutdown.ToString();
  const std::map<int, Stream> streams = recorder.StreamsOnceClosed();
  const std::vector<const Stream*> closing = Closing(streams);
  ASSERT_THAT(closing, SizeIs(1));
  EXPECT_GE(closing[0]->closing.size(), 2u);
  EXPECT_THAT(closing[0]->closing, Each(true));
  ASSERT_THAT(closing[0]->jobs, SizeIs(kJobs));
  EXPECT_EQ(closing[0]->jobs.at("job-1499"), (Values{1500, 0}));
}

TEST(ClientWireTest, ARetriedFinalFlushClosesAgain) {
  Recorder recorder(/*port=*/0, /*failed_closing_streams=*/1);
  Client client(To(recorder.address()));
  client.GetJob("a").AddSuccess(1);
  client.GetJob("b").AddFailure(2);
  const Status shutdown = client.Shutdown(20s);
  ASSERT_TRUE(shutdown.ok()) << shutdown.ToString();
  const std::map<int, Stream> streams = recorder.StreamsOnceClosed();
  const std::vector<const Stream*> closing = Closing(streams);
  ASSERT_THAT(closing, SizeIs(2));
  EXPECT_EQ(closing[0]->end, "UNAVAILABLE");
  EXPECT_EQ(closing[1]->end, "OK");
  for (const Stream* stream : closing) {
    EXPECT_THAT(stream->closing, Each(true));
    EXPECT_THAT(stream->jobs,
                ElementsAre(Pair("a", Values{1, 0}), Pair("b", Values{0, 2})));
  }
}

TEST(ClientWireTest, AForgottenJobIsLeftOutOfTheClosingStream) {
  Recorder recorder;
  Client client(To(recorder.address()));
  Job idle = client.GetJob("idle"), active = client.GetJob("active");
  idle.AddSuccess(5);
  active.AddSuccess(1);
  ASSERT_TRUE(client.Flush(10s).ok());
  PassTheForgetTime();
  active.AddSuccess(1);
  ASSERT_TRUE(client.Flush(10s).ok());  // `idle` is forgotten from here on.
  active.AddSuccess(1);                 // Not confirmed: never forgotten.
  const Status shutdown = client.Shutdown(10s);
  ASSERT_TRUE(shutdown.ok()) << shutdown.ToString();
  const std::map<int, Stream> streams = recorder.StreamsOnceClosed();
  const std::vector<const Stream*> closing = Closing(streams);
  ASSERT_THAT(closing, SizeIs(1));
  EXPECT_THAT(closing[0]->jobs, ElementsAre(Pair("active", Values{3, 0})));
}

TEST(ClientWireTest, AnIdleDeliveredJobIsNotResentAfterAReconnect) {
  auto recorder = std::make_unique<Recorder>();
  const int port = recorder->port();
  Client client(To(recorder->address()));
  Job idle = client.GetJob("idle"), active = client.GetJob("active");
  idle.AddSuccess(5);
  idle.AddFailure(1);
  active.AddSuccess(1);
  ASSERT_TRUE(client.Flush(10s).ok());
  PassTheForgetTime();
  active.AddSuccess(1);
  ASSERT_TRUE(client.Flush(10s).ok());  // `idle` is forgotten from here on.

  recorder.reset();      // The daemon goes away...
  active.AddSuccess(1);  // (not confirmed, so `active` is resent)
  recorder = std::make_unique<Recorder>(port);  // ...and comes back.
  ASSERT_TRUE(recorder->WaitFor("active:3:0"));
  EXPECT_THAT(recorder->Sent("idle"), IsEmpty());

  // Its counts were kept: once it changes it is sent again, whole.
  idle.AddSuccess(2);
  ASSERT_TRUE(recorder->WaitFor("idle:7:1"));
  EXPECT_THAT(recorder->Sent("idle"), Each(Values{7, 1}));
  EXPECT_TRUE(client.Flush(10s).ok());
}

TEST(ClientWireTest, AWorkerThatNeverFlushesStillForgetsIdleJobs) {
  auto recorder = std::make_unique<Recorder>();
  const int port = recorder->port();
  Client client(To(recorder->address()));
  Job idle = client.GetJob("idle"), active = client.GetJob("active");
  idle.AddSuccess(4);
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    while (!stop.load()) {
      active.AddSuccess(1);
      absl::SleepFor(absl::Milliseconds(5));
    }
  });
  // With no Flush, the client has idle jobs confirmed itself: a stream that
  // ends OK.
  EXPECT_TRUE(recorder->WaitFor(" OK"));

  recorder.reset();
  recorder = std::make_unique<Recorder>(port);
  EXPECT_TRUE(recorder->WaitFor("active:"));
  EXPECT_THAT(recorder->Sent("idle"), IsEmpty());
  stop.store(true);
  worker.join();
}

TEST(ClientWireTest, AForgottenJobCountsExactlyAcrossADaemonRestart) {
  const std::string state =
      absl::StrCat(::testing::TempDir(), "/forgotten-", getpid(), ".state");
  std::remove(state.c_str());
  const std::vector<std::string> flags = {"--state_file=" + state,
                                          "--snapshot_interval=100ms"};
  auto daemon = std::make_unique<Daemon>(flags);
  const int port = daemon->port();
  Client client(To(daemon->address()));
  Job idle = client.GetJob("forgotten"), active = client.GetJob("kept");
  idle.AddSuccess(5);
  idle.AddFailure(1);
  active.AddSuccess(1);
  ASSERT_TRUE(client.Flush(10s).ok());
  PassTheForgetTime();
  active.AddSuccess(1);
  ASSERT_TRUE(client.Flush(10s).ok());  // `forgotten` is, from here on.

  daemon->process().Signal(SIGKILL);
  daemon->process().WaitForExit(absl::Seconds(10));
  daemon.reset();
  active.AddSuccess(1);
  daemon = std::make_unique<Daemon>(flags, port);
  ASSERT_EQ(daemon->port(), port);
  idle.AddSuccess(2);
  const Status flushed = client.Flush(30s);
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();

  JobInfo info{};
  ASSERT_TRUE(client.GetCounts("forgotten", &info).ok());
  EXPECT_EQ(info.success, 7u);
  EXPECT_EQ(info.failure, 1u);
  EXPECT_EQ(info.clients, 1u);
  ASSERT_TRUE(client.GetCounts("kept", &info).ok());
  EXPECT_EQ(info.success, 3u);
  std::remove(state.c_str());
}

}  // namespace
}  // namespace progress
