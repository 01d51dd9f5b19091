// INCRBY load on Redis: each thread drives its share of the connections,
// sending every due connection its commands before reading any reply, so
// the connections' round trips overlap as a careful user's would.
#include <memory>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "flood.h"
#include "flood_run.h"
#include "redis_connection.h"

namespace progress::bench {
namespace {

struct PacedConnection {
  std::unique_ptr<RedisConnection> connection;
  absl::Time next_due;
};

// Sends `connections` their due commands until the run stops.
void DriveConnections(const FloodOptions& options,
                      std::vector<PacedConnection>& connections,
                      FloodRun& run) {
  const bool paced = options.stream_interval > absl::ZeroDuration();
  const int per_round = paced ? 1 : std::max(1, options.pipeline);
  std::vector<std::pair<PacedConnection*, int>> sent;
  bool opened = false;
  bool exhausted = false;
  while (!run.stopped() && !exhausted) {
    sent.clear();
    const absl::Time now = absl::Now();
    absl::Time next = absl::InfiniteFuture();
    for (PacedConnection& paced_connection : connections) {
      if (paced && paced_connection.next_due > now) {
        next = std::min(next, paced_connection.next_due);
        continue;
      }
      int commands = 0;
      while (commands < per_round && !exhausted) {
        exhausted = !run.TakeMessage();
        if (exhausted) break;
        paced_connection.connection->Append({"INCRBY", options.job, "1"});
        ++commands;
      }
      if (commands == 0) break;
      paced_connection.next_due =
          std::max(paced_connection.next_due + options.stream_interval, now);
      sent.emplace_back(&paced_connection, commands);
    }
    for (auto& [paced_connection, commands] : sent) {
      if (absl::Status status = paced_connection->connection->Send();
          !status.ok()) {
        run.EndStream(false, status.ToString());
        return;
      }
    }
    for (auto& [paced_connection, commands] : sent) {
      for (int i = 0; i < commands; ++i) {
        absl::StatusOr<int64_t> reply =
            paced_connection->connection->ReadInteger();
        if (!reply.ok()) {
          run.EndStream(false, reply.status().ToString());
          return;
        }
        run.CountMessage();
      }
    }
    if (!opened && !sent.empty()) {
      opened = true;
      run.CountOpen();  // Counted per thread: the threads are what end.
    }
    if (sent.empty() && next != absl::InfiniteFuture()) {
      absl::SleepFor(std::min(next - absl::Now(), absl::Milliseconds(10)));
    }
  }
  run.EndStream(true, "");
}

}  // namespace

FloodResult RunRedisFlood(const FloodOptions& options) {
  FloodRun run(options.records);
  const int thread_count =
      std::max(1, std::min(options.threads, options.streams));
  std::vector<std::vector<PacedConnection>> shares(thread_count);
  const absl::Time start = absl::Now();
  for (int s = 0; s < options.streams; ++s) {
    absl::StatusOr<std::unique_ptr<RedisConnection>> connection =
        RedisConnection::Connect(options.address);
    if (!connection.ok()) {
      run.EndStream(false, connection.status().ToString());
      return run.Result(0);
    }
    shares[s % thread_count].push_back(
        {std::move(*connection),
         start + options.stream_interval * s / options.streams});
  }
  std::vector<std::thread> threads;
  for (auto& share : shares) {
    threads.emplace_back(
        [&options, &share, &run] { DriveConnections(options, share, run); });
  }
  const int open_threads = SuperviseFlood(options, run, thread_count);
  for (auto& thread : threads) thread.join();
  FloodResult result = run.Result(absl::ToDoubleSeconds(absl::Now() - start));
  // Open connections are those of the threads that sent.
  result.open_when_sampled = open_threads == thread_count ? options.streams : 0;
  return result;
}

}  // namespace progress::bench
