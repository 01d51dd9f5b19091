// increment_flood: how many Increment messages per second the daemon ingests,
// and how long GetCounts takes with and without that flood.
//
//   increment_flood                         # in-process server, defaults
//   increment_flood --server=127.0.0.1:50051 --streams=32 --duration=5s
//   increment_flood --server=127.0.0.1:50051 --metrics=127.0.0.1:9464
//       --daemon_pid=$(pidof progressd)    # (one line) the cost of scrapes
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
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "channel_security.h"
#include "flood_stats.h"
#include "http_get.h"
#include "progress/v1/progress.grpc.pb.h"
#include "registry/job_registry.h"
#include "rpc/progress_server.h"
#include "tls_flags.h"

ABSL_FLAG(std::string, server, "",
          "Daemon to load (host:port). Empty: start one in this process on a "
          "free loopback port.");
ABSL_FLAG(int, streams, 32, "Concurrent Increment streams, one thread each.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "How long to flood.");
ABSL_FLAG(int, idle_reads, 2000, "GetCounts calls timed without a flood.");
ABSL_FLAG(std::string, job, "bench-flood", "Job name the flood reports on.");
ABSL_FLAG(std::string, metrics, "",
          "The daemon's /metrics address (host:port). If set, the flood runs "
          "twice, without and then with a scrape every --scrape_interval, and "
          "the two are compared.");
ABSL_FLAG(absl::Duration, scrape_interval, absl::Seconds(1),
          "Time between scrapes in the second flood.");
ABSL_FLAG(int, daemon_pid, 0,
          "The daemon's pid: reports its CPU time per Increment message.");

namespace {

using progress::bench::CpuSeconds;
using progress::bench::Percentiles;
using progress::bench::Summarize;
using progress::internal::ChannelSecurity;
using progress::v1::ProgressTracker;

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

// A stub on a channel of its own, so streams spread over connections.
std::unique_ptr<ProgressTracker::Stub> NewStub(
    const std::string& address, const ChannelSecurity& security) {
  grpc::ChannelArguments args;
  progress::internal::AddSecurityArguments(security, &args);
  return ProgressTracker::NewStub(grpc::CreateCustomChannel(
      address, progress::internal::Credentials(security), args));
}

void Print(const char* label, const Percentiles& p) {
  std::printf("%-34s p50 %8.1f us | p99 %8.1f us | max %8.1f us | %zu calls\n",
              label, absl::ToDoubleMicroseconds(p.p50),
              absl::ToDoubleMicroseconds(p.p99),
              absl::ToDoubleMicroseconds(p.max), p.samples);
}

struct FloodResult {
  uint64_t messages = 0;
  double seconds = 0;
  double daemon_cpu_seconds = 0;
  std::vector<absl::Duration> reads;
  int scrapes = 0;
  size_t scrape_bytes = 0;
  bool exact = false;

  double messages_per_second() const { return messages / seconds; }
  double cpu_ns_per_message() const {
    return daemon_cpu_seconds * 1e9 / std::max<uint64_t>(1, messages);
  }
};

// Floods the daemon with Increment streams for --duration while timing
// GetCounts, and, given a metrics port, scraping /metrics on the interval.
FloodResult Flood(const std::string& address, const ChannelSecurity& security,
                  int stream_count, const std::string& job,
                  ProgressTracker::Stub& reader, int metrics_port,
                  int daemon_pid) {
  FloodResult result;
  uint64_t before = 0;
  TimedGetCounts(reader, job, &before);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sent{0};
  std::atomic<int> failed{0};
  const std::string run_id = absl::StrCat(absl::ToUnixNanos(absl::Now()));
  const double cpu_before = daemon_pid ? CpuSeconds(daemon_pid) : 0;
  std::vector<std::thread> threads;
  for (int s = 0; s < stream_count; ++s) {
    threads.emplace_back([&, s] {
      auto stub = NewStub(address, security);
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
  if (metrics_port != 0) {
    threads.emplace_back([&] {
      const absl::Duration interval = absl::GetFlag(FLAGS_scrape_interval);
      while (!stop.load()) {
        if (auto body = progress::testing::HttpGet(metrics_port, "/metrics")) {
          result.scrapes++;
          result.scrape_bytes += body->size();
        }
        const absl::Time next = absl::Now() + interval;
        while (!stop.load() && absl::Now() < next) {
          absl::SleepFor(absl::Milliseconds(10));
        }
      }
    });
  }

  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::GetFlag(FLAGS_duration);
  while (absl::Now() < end) {
    result.reads.push_back(TimedGetCounts(reader, job, nullptr));
  }
  stop = true;
  for (auto& thread : threads) thread.join();
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  result.daemon_cpu_seconds =
      daemon_pid ? CpuSeconds(daemon_pid) - cpu_before : 0;
  result.messages = sent.load();
  uint64_t after = 0;
  TimedGetCounts(reader, job, &after);
  result.exact = after - before == result.messages && failed.load() == 0;
  return result;
}

void Report(const char* label, const FloodResult& result, bool with_cpu) {
  std::printf("%s: %llu Increment messages in %.2f s = %.0f msg/s", label,
              static_cast<unsigned long long>(result.messages), result.seconds,
              result.messages_per_second());
  if (with_cpu) {
    std::printf(" | daemon CPU %.0f ns/msg", result.cpu_ns_per_message());
  }
  std::printf(" | counts %s\n", result.exact ? "exact" : "MISMATCH");
  Print("  GetCounts during it:", Summarize(result.reads));
}

}  // namespace

int main(int argc, char** argv) {
  // --help lists this file's flags and the shared TLS ones.
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "increment_flood.cc") ||
           progress::internal::IsTlsFlagFile(path);
  };
  absl::SetFlagsUsageConfig(usage_config);
  absl::SetProgramUsageMessage(
      "Floods a daemon with Increment streams and times GetCounts meanwhile.");
  absl::ParseCommandLine(argc, argv);
  const std::string job = absl::GetFlag(FLAGS_job);
  const int stream_count = absl::GetFlag(FLAGS_streams);

  const absl::StatusOr<ChannelSecurity> security =
      progress::internal::ChannelSecurityFromFlags();
  if (!security.ok()) {
    std::fprintf(stderr, "%s\n", security.status().ToString().c_str());
    return 2;
  }
  std::unique_ptr<progress::JobRegistry> registry;
  std::unique_ptr<progress::ProgressServer> server;
  std::string address = absl::GetFlag(FLAGS_server);
  if (address.empty() && security->tls) {
    std::fprintf(stderr,
                 "TLS needs --server: the in-process daemon is "
                 "plaintext\n");
    return 2;
  }
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
  std::printf("daemon %s%s (%s) | %d streams | %s flood\n", address.c_str(),
              server ? " (in-process)" : "", security->description.c_str(),
              stream_count,
              absl::FormatDuration(absl::GetFlag(FLAGS_duration)).c_str());

  auto reader = NewStub(address, *security);
  TimedGetCounts(*reader, job, nullptr);  // Connects the channel.
  std::vector<absl::Duration> idle;
  for (int i = 0; i < absl::GetFlag(FLAGS_idle_reads); ++i) {
    idle.push_back(TimedGetCounts(*reader, job, nullptr));
  }

  const int daemon_pid = absl::GetFlag(FLAGS_daemon_pid);
  const FloodResult plain =
      Flood(address, *security, stream_count, job, *reader,
            /*metrics_port=*/0, daemon_pid);
  Print("GetCounts, no flood:", Summarize(idle));
  Report("flood", plain, daemon_pid != 0);
  bool exact = plain.exact;

  const std::string metrics = absl::GetFlag(FLAGS_metrics);
  if (!metrics.empty()) {
    const int metrics_port = std::stoi(metrics.substr(metrics.rfind(':') + 1));
    const FloodResult scraped = Flood(address, *security, stream_count, job,
                                      *reader, metrics_port, daemon_pid);
    Report("flood + scrapes", scraped, daemon_pid != 0);
    exact = exact && scraped.exact;
    std::printf(
        "with /metrics scraped every %s: %.3fx the messages/s",
        absl::FormatDuration(absl::GetFlag(FLAGS_scrape_interval)).c_str(),
        scraped.messages_per_second() / plain.messages_per_second());
    if (daemon_pid != 0) {
      std::printf(", %.3fx the daemon CPU per message",
                  scraped.cpu_ns_per_message() / plain.cpu_ns_per_message());
    }
    std::printf(" (%d scrapes, each %.0f KiB)\n", scraped.scrapes,
                scraped.scrape_bytes / 1024.0 / std::max(1, scraped.scrapes));
  }
  if (server) server->Shutdown(absl::Seconds(1));
  return exact ? 0 : 1;
}
