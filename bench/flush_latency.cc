// What a confirmed Flush() costs: C clients, each its own progress::Client,
// add one record and Flush() in a loop against a running progressd. With a
// --state_file, each confirmation waits for a durable snapshot (one write
// and fsync serves every Flush waiting on it); run it against a daemon with
// and without one (bench/flush_latency.sh does both) to see the price.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "progress/client.hpp"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "progressd address.");
ABSL_FLAG(int, clients, 1, "Clients flushing at once, one thread each.");
ABSL_FLAG(int, flushes, 200, "Flushes per client.");
ABSL_FLAG(std::string, label, "", "Names the run in the output.");

namespace {

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t at =
      std::min(sorted.size() - 1, static_cast<size_t>(p * (sorted.size() - 1)));
  return sorted[at];
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "times add-one-record-then-Flush() against a running progressd.\n"
      "Usage: flush_latency --server=127.0.0.1:PORT [--clients=N] "
      "[--flushes=N]");
  absl::ParseCommandLine(argc, argv);
  const int clients = std::max(1, absl::GetFlag(FLAGS_clients));
  const int flushes = std::max(1, absl::GetFlag(FLAGS_flushes));
  const std::string job =
      absl::StrCat("flush-latency-", absl::ToUnixNanos(absl::Now()));

  std::vector<std::vector<double>> latencies(clients);
  std::vector<int> failures(clients, 0);
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      progress::ClientOptions options;
      options.target = absl::GetFlag(FLAGS_server);
      progress::Client client(options);
      progress::Job counter = client.GetJob(job);
      for (int i = 0; i < flushes; ++i) {
        counter.AddSuccess(1);
        const absl::Time before = absl::Now();
        if (!client.Flush(std::chrono::seconds(10)).ok()) ++failures[c];
        latencies[c].push_back(
            absl::ToDoubleMilliseconds(absl::Now() - before));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);

  std::vector<double> all;
  int failed = 0;
  for (int c = 0; c < clients; ++c) {
    all.insert(all.end(), latencies[c].begin(), latencies[c].end());
    failed += failures[c];
  }
  std::sort(all.begin(), all.end());

  progress::ClientOptions reader_options;
  reader_options.target = absl::GetFlag(FLAGS_server);
  progress::Client reader(reader_options);
  progress::JobInfo info{};
  const bool read = reader.GetCounts(job, &info).ok();
  const uint64_t expected = static_cast<uint64_t>(clients) * flushes;
  std::printf(
      "%-22s clients %3d | flushes %6zu | p50 %7.2f ms | p90 %7.2f ms | "
      "p99 %7.2f ms | max %7.2f ms | %7.0f flushes/s | failed %d | daemon "
      "holds %llu of %llu: %s\n",
      absl::GetFlag(FLAGS_label).c_str(), clients, all.size(),
      Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99),
      all.back(), all.size() / seconds, failed,
      static_cast<unsigned long long>(info.success),
      static_cast<unsigned long long>(expected),
      read && info.success == expected ? "exact" : "MISMATCH");
  return failed == 0 && read && info.success == expected ? 0 : 1;
}
