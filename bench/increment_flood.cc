// increment_flood: how many Increment messages per second the daemon ingests,
// and how long GetCounts takes with and without that flood.
//
//   increment_flood                         # in-process server, defaults
//   increment_flood --server=127.0.0.1:50051 --streams=32 --duration=5s
//
// Prints figures; passes or fails nothing on time. It does check that the
// daemon's final count equals what the flood sent.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "job_registry.h"
#include "progress/v1/progress.grpc.pb.h"
#include "progress_server.h"

ABSL_FLAG(std::string, server, "",
          "Daemon to load (host:port). Empty: start one in this process on a "
          "free loopback port.");
ABSL_FLAG(int, streams, 32, "Concurrent Increment streams, one thread each.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "How long to flood.");
ABSL_FLAG(int, idle_reads, 2000, "GetCounts calls timed without a flood.");
ABSL_FLAG(std::string, job, "bench-flood", "Job name the flood reports on.");

namespace {

using progress::v1::ProgressTracker;

struct Percentiles {
  absl::Duration p50, p99, max;
  size_t samples = 0;
};

Percentiles Summarize(std::vector<absl::Duration> latencies) {
  Percentiles result;
  result.samples = latencies.size();
  if (latencies.empty()) return result;
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) {
    return latencies[std::min(latencies.size() - 1,
                              static_cast<size_t>(q * latencies.size()))];
  };
  result.p50 = at(0.50);
  result.p99 = at(0.99);
  result.max = latencies.back();
  return result;
}

// One GetCounts round trip; NOT_FOUND counts as a completed read too.
absl::Duration TimedGetCounts(ProgressTracker::Stub& stub,
                              const std::string& job, uint64_t* success) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  progress::v1::GetCountsRequest request;
  request.set_job(job);
  progress::v1::GetCountsResponse response;
  const absl::Time start = absl::Now();
  grpc::Status status = stub.GetCounts(&context, request, &response);
  const absl::Duration took = absl::Now() - start;
  if (status.ok() && success != nullptr) *success = response.job().success();
  if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) {
    std::fprintf(stderr, "GetCounts failed: %s\n",
                 status.error_message().c_str());
  }
  return took;
}

std::unique_ptr<ProgressTracker::Stub> NewStub(const std::string& address) {
  return ProgressTracker::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

void Print(const char* label, const Percentiles& p) {
  std::printf("%-34s p50 %8.1f us | p99 %8.1f us | max %8.1f us | %zu calls\n",
              label, absl::ToDoubleMicroseconds(p.p50),
              absl::ToDoubleMicroseconds(p.p99),
              absl::ToDoubleMicroseconds(p.max), p.samples);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Floods a daemon with Increment streams and times GetCounts meanwhile.");
  absl::ParseCommandLine(argc, argv);
  const std::string job = absl::GetFlag(FLAGS_job);
  const int stream_count = absl::GetFlag(FLAGS_streams);

  std::unique_ptr<progress::JobRegistry> registry;
  std::unique_ptr<progress::ProgressServer> server;
  std::string address = absl::GetFlag(FLAGS_server);
  if (address.empty()) {
    registry = std::make_unique<progress::JobRegistry>();
    progress::ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    server =
        std::make_unique<progress::ProgressServer>(options, registry.get());
    if (absl::Status started = server->Start(); !started.ok()) {
      std::fprintf(stderr, "%s\n", started.ToString().c_str());
      return 1;
    }
    address = absl::StrCat("127.0.0.1:", server->port());
  }
  std::printf("daemon %s%s | %d streams | %s flood\n", address.c_str(),
              server ? " (in-process)" : "", stream_count,
              absl::FormatDuration(absl::GetFlag(FLAGS_duration)).c_str());

  auto reader = NewStub(address);
  uint64_t before = 0;
  TimedGetCounts(*reader, job, &before);  // Connects the channel.
  std::vector<absl::Duration> idle;
  for (int i = 0; i < absl::GetFlag(FLAGS_idle_reads); ++i) {
    idle.push_back(TimedGetCounts(*reader, job, nullptr));
  }

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sent{0};
  std::atomic<int> failed{0};
  const std::string run_id = absl::StrCat(absl::ToUnixNanos(absl::Now()));
  std::vector<std::thread> flooders;
  for (int s = 0; s < stream_count; ++s) {
    flooders.emplace_back([&, s] {
      auto stub = NewStub(address);
      grpc::ClientContext context;
      progress::v1::IncrementResponse response;
      auto writer = stub->Increment(&context, &response);
      progress::v1::IncrementRequest request;
      request.set_client_id(absl::StrCat("bench-", run_id, "-", s));
      auto* counts = request.add_jobs();
      counts->set_job(job);
      uint64_t messages = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        counts->set_success(messages + 1);
        if (!writer->Write(request)) break;
        ++messages;
      }
      writer->WritesDone();
      if (!writer->Finish().ok()) failed++;
      sent.fetch_add(messages);
    });
  }

  std::vector<absl::Duration> flooded;
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::GetFlag(FLAGS_duration);
  while (absl::Now() < end)
    flooded.push_back(TimedGetCounts(*reader, job, nullptr));
  stop = true;
  for (auto& flooder : flooders) flooder.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);

  uint64_t after = 0;
  TimedGetCounts(*reader, job, &after);
  const uint64_t total = sent.load();
  std::printf("Increment messages ingested: %llu in %.2f s = %.0f msg/s\n",
              static_cast<unsigned long long>(total), seconds, total / seconds);
  Print("GetCounts, no flood:", Summarize(idle));
  Print("GetCounts, during the flood:", Summarize(flooded));
  const bool exact = after - before == total && failed.load() == 0;
  std::printf("daemon count grew by %llu; sent %llu: %s\n",
              static_cast<unsigned long long>(after - before),
              static_cast<unsigned long long>(total),
              exact ? "exact" : "MISMATCH");
  if (server) server->Shutdown(absl::Seconds(1));
  return exact ? 0 : 1;
}
