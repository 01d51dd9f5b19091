// Increment streams on the completion-queue API, so a few threads drive
// thousands of simulated clients, each on a connection of its own.
#include <grpcpp/alarm.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "daemon_channel.h"
#include "flood.h"
#include "flood_run.h"
#include "wire/bench_wire.pb.h"

namespace progress::bench {
namespace {

using wire::IncrementRequest;
using wire::IncrementResponse;
using IncrementStub =
    grpc::TemplatedGenericStub<IncrementRequest, IncrementResponse>;

// Increment is client-streaming; a generic call is bidirectional, so the
// response is read after WritesDone.
constexpr char kIncrementMethod[] = "/progress.v1.ProgressTracker/Increment";

class FloodStream {
 public:
  FloodStream(const FloodOptions& options, std::string client_id,
              absl::Duration phase, absl::Duration time_limit,
              grpc::CompletionQueue* queue, FloodRun* run)
      : options_(options), queue_(queue), run_(run), time_limit_(time_limit) {
    grpc::ChannelArguments args;
    // A connection per simulated client, as separate processes would have.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stub_ = std::make_unique<IncrementStub>(internal::DaemonChannel(
        options.address, absl::Seconds(1), options.security, args));
    request_.set_client_id(std::move(client_id));
    request_.add_jobs()->set_job(options.job);
    next_due_ = absl::Now() + phase;
  }

  void Start() {
    // A connection attempt that loses a race with the load it starts is
    // retried rather than failing the stream.
    context_.set_wait_for_ready(true);
    // ... but a stream that cannot connect at all (the server out of file
    // descriptors, say) fails rather than holding the run forever.
    context_.set_deadline(absl::ToChronoTime(absl::Now() + time_limit_));
    call_ = stub_->PrepareCall(&context_, kIncrementMethod, queue_);
    step_ = Step::kStart;
    call_->StartCall(this);
  }

  void Proceed(bool ok) {
    switch (step_) {
      case Step::kStart:
        if (!ok) return Finish();
        return WriteWhenDue();
      case Step::kWrite:
        if (!ok) return Finish();
        run_->CountMessage();
        if (sent_ == 1) run_->CountOpen();
        return WriteWhenDue();
      case Step::kWait:
        return Write();
      case Step::kWritesDone:
        if (!ok) return Finish();
        step_ = Step::kRead;
        call_->Read(&response_, this);
        return;
      case Step::kRead:
        return Finish();
      case Step::kFinish:
        run_->EndStream(status_.ok(), status_.error_message());
        return;
    }
  }

 private:
  enum class Step { kStart, kWrite, kWait, kWritesDone, kRead, kFinish };

  void WriteWhenDue() {
    const absl::Time now = absl::Now();
    if (options_.stream_interval > absl::ZeroDuration() && sent_ > 0) {
      // A client that fell behind sends its next message now, not every
      // one it missed: the library sends at most one per interval.
      next_due_ = std::max(next_due_ + options_.stream_interval, now);
    }
    if (next_due_ > now && !run_->stopped()) {
      step_ = Step::kWait;
      alarm_.Set(queue_, absl::ToChronoTime(next_due_), this);
      return;
    }
    Write();
  }

  void Write() {
    if (!run_->TakeMessage()) {
      step_ = Step::kWritesDone;
      call_->WritesDone(this);
      return;
    }
    request_.mutable_jobs(0)->set_success(++sent_);
    step_ = Step::kWrite;
    call_->Write(request_, this);
  }

  void Finish() {
    step_ = Step::kFinish;
    call_->Finish(&status_, this);
  }

  const FloodOptions& options_;
  grpc::CompletionQueue* const queue_;
  FloodRun* const run_;
  const absl::Duration time_limit_;
  std::unique_ptr<IncrementStub> stub_;
  grpc::ClientContext context_;
  IncrementRequest request_;
  IncrementResponse response_;
  std::unique_ptr<
      grpc::ClientAsyncReaderWriter<IncrementRequest, IncrementResponse>>
      call_;
  grpc::Alarm alarm_;
  grpc::Status status_;
  absl::Time next_due_;
  uint64_t sent_ = 0;
  Step step_ = Step::kStart;
};

}  // namespace

FloodResult RunProgressdFlood(const FloodOptions& options) {
  FloodRun run(options.records);
  const int thread_count = std::max(1, options.threads);
  std::vector<std::unique_ptr<grpc::CompletionQueue>> queues;
  for (int t = 0; t < thread_count; ++t) {
    queues.push_back(std::make_unique<grpc::CompletionQueue>());
  }
  const std::string run_id = absl::StrCat(absl::ToUnixNanos(absl::Now()));
  // Long enough for any run to end on its own; then a stream has failed.
  const absl::Duration time_limit = options.records > 0
                                        ? absl::Minutes(10)
                                        : options.duration + absl::Minutes(1);
  std::vector<std::unique_ptr<FloodStream>> streams;
  for (int s = 0; s < options.streams; ++s) {
    // Spread paced streams evenly over the interval, as independent
    // clients' timers would be.
    const absl::Duration phase = options.stream_interval * s / options.streams;
    streams.push_back(std::make_unique<FloodStream>(
        options, absl::StrCat("bench-", run_id, "-", s), phase, time_limit,
        queues[s % thread_count].get(), &run));
  }
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (auto& queue : queues) {
    threads.emplace_back([queue = queue.get()] {
      void* tag = nullptr;
      bool ok = false;
      while (queue->Next(&tag, &ok))
        static_cast<FloodStream*>(tag)->Proceed(ok);
    });
  }
  // Connect in waves, as a real job's clients start over time: thousands of
  // connects in one instant overflow the listen backlog, are retried, and
  // leave the server holding sockets twice over.
  constexpr int kWave = 256;
  for (int s = 0; s < options.streams; ++s) {
    streams[s]->Start();
    if ((s + 1) % kWave != 0) continue;
    const absl::Time give_up = absl::Now() + absl::Seconds(2);
    while (run.open() + run.ended() < s + 1 - kWave / 2 &&
           absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  const absl::Time ramped = absl::Now();
  const uint64_t ramp_messages = run.messages();
  const int open_when_sampled = SuperviseFlood(options, run, options.streams);
  const absl::Time stopped = absl::Now();
  const uint64_t steady_messages = run.messages() - ramp_messages;
  while (run.ended() < options.streams) absl::SleepFor(absl::Milliseconds(1));
  FloodResult result = run.Result(absl::ToDoubleSeconds(absl::Now() - start));
  result.steady_messages = steady_messages;
  result.open_when_sampled = open_when_sampled;
  result.steady_seconds = absl::ToDoubleSeconds(stopped - ramped);
  for (auto& queue : queues) queue->Shutdown();
  for (auto& thread : threads) thread.join();
  return result;
}

int SuperviseFlood(const FloodOptions& options, FloodRun& run, int streams) {
  const absl::Time end = absl::Now() + options.duration;
  int open_when_sampled = 0;
  if (options.while_open) {
    while (run.open() < streams && run.ended() == 0 && absl::Now() < end) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    open_when_sampled = run.open();
    options.while_open();
  }
  // A record budget ends the run when the streams have used it up.
  while (absl::Now() < end && run.ended() < streams) {
    absl::SleepFor(std::min(absl::Milliseconds(10), end - absl::Now()));
  }
  run.Stop();
  return open_when_sampled;
}

}  // namespace progress::bench
