// progress-bench job: a CPU-bound batch job (workers hashing items), timed
// untracked and tracked in alternation, so the difference is what tracking
// costs the job and not the machine's drift.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench_flags.h"
#include "bench_report.h"
#include "bench_target.h"
#include "progress/client.hpp"
#include "redis_connection.h"

namespace progress::bench {
namespace {

// One item's work: rounds of a 64-bit mix the compiler cannot skip.
uint64_t ProcessItem(uint64_t item, uint64_t rounds) {
  uint64_t h = item * 0x9E3779B97F4A7C15ull;
  for (uint64_t r = 0; r < rounds; ++r) {
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= r;
  }
  return h;
}

// Rounds of ProcessItem that take about `cost`.
uint64_t CalibrateRounds(absl::Duration cost) {
  constexpr uint64_t kProbe = 2'000'000;
  volatile uint64_t sink = 0;
  const absl::Time start = absl::Now();
  sink = sink + ProcessItem(1, kProbe);
  const double ns_per_round =
      absl::ToDoubleNanoseconds(absl::Now() - start) / kProbe;
  return std::max<uint64_t>(1, absl::ToDoubleNanoseconds(cost) / ns_per_round);
}

enum class Tracking { kNone, kProgressd, kRedis };

struct JobSetup {
  Tracking tracking;
  uint64_t items, rounds;
  int workers, batch;
  Job* job;                   // kProgressd.
  std::string redis_address;  // kRedis.
  std::string key;
};

// Runs the job once; returns its wall time, or an error if Redis failed.
absl::StatusOr<absl::Duration> RunJobOnce(const JobSetup& setup) {
  std::atomic<uint64_t> next_item{0};
  std::atomic<uint64_t> checksum{0};
  std::atomic<bool> failed{false};
  const absl::Time start = absl::Now();
  std::vector<std::thread> workers;
  for (int w = 0; w < setup.workers; ++w) {
    workers.emplace_back([&] {
      std::unique_ptr<RedisConnection> redis;
      if (setup.tracking == Tracking::kRedis) {
        auto connected = RedisConnection::Connect(setup.redis_address);
        if (!connected.ok()) return void(failed = true);
        redis = std::move(*connected);
      }
      uint64_t sum = 0;
      bool reply_pending = false;
      while (true) {
        const uint64_t first = next_item.fetch_add(setup.batch);
        if (first >= setup.items) break;
        const uint64_t last = std::min(setup.items, first + setup.batch);
        for (uint64_t item = first; item < last; ++item) {
          sum += ProcessItem(item, setup.rounds);
          if (setup.tracking == Tracking::kProgressd) setup.job->AddSuccess(1);
        }
        if (redis) {
          // The previous batch's reply has long arrived: one round trip
          // overlaps the next batch's work, as a careful user pipelines.
          if (reply_pending && !redis->ReadInteger().ok()) failed = true;
          redis->Append({"INCRBY", setup.key, absl::StrCat(last - first)});
          if (!redis->Send().ok()) failed = true;
          reply_pending = true;
        }
      }
      if (reply_pending && !redis->ReadInteger().ok()) failed = true;
      checksum.fetch_add(sum);
    });
  }
  for (auto& worker : workers) worker.join();
  if (failed) return absl::UnavailableError("a Redis command failed");
  return absl::Now() - start;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int RunJobMode() {
  const std::optional<Target> target = TargetFromFlags();
  if (!target) return 2;
  JobSetup setup;
  setup.items = absl::GetFlag(FLAGS_items);
  setup.workers = absl::GetFlag(FLAGS_workers);
  setup.batch = absl::GetFlag(FLAGS_batch);
  const int repeats = absl::GetFlag(FLAGS_repeats);
  if (setup.items == 0 || setup.workers < 1 || setup.batch < 1 || repeats < 1) {
    std::fprintf(stderr,
                 "progress-bench: --items, --workers, --batch and --repeats "
                 "must be positive\n");
    return 2;
  }
  setup.rounds = CalibrateRounds(absl::GetFlag(FLAGS_item_cost));
  setup.key = absl::StrCat(absl::GetFlag(FLAGS_job), "-job-",
                           absl::ToUnixNanos(absl::Now()));
  setup.redis_address = target->address;
  std::unique_ptr<Client> client;
  Job job;
  if (target->backend == Backend::kProgressd) {
    ClientOptions options;
    options.target = target->address;
    client = std::make_unique<Client>(options);
    job = client->GetJob(setup.key);
    setup.job = &job;
  }
  const Tracking tracked = target->backend == Backend::kProgressd
                               ? Tracking::kProgressd
                               : Tracking::kRedis;
  std::vector<double> none_seconds, tracked_seconds;
  for (int r = 0; r < repeats; ++r) {
    for (Tracking tracking : {Tracking::kNone, tracked}) {
      setup.tracking = tracking;
      absl::StatusOr<absl::Duration> took = RunJobOnce(setup);
      if (!took.ok()) {
        std::fprintf(stderr, "progress-bench: %s\n",
                     took.status().ToString().c_str());
        return 1;
      }
      (tracking == Tracking::kNone ? none_seconds : tracked_seconds)
          .push_back(absl::ToDoubleSeconds(*took));
    }
  }
  if (client) client->Flush(std::chrono::seconds(30));
  absl::StatusOr<std::unique_ptr<CounterReader>> reader = MakeCounterReader(
      target->backend, target->address, setup.key, target->security);
  const absl::StatusOr<uint64_t> counted =
      reader.ok() ? (*reader)->Read() : reader.status();
  const uint64_t expected = setup.items * repeats;
  const bool exact = counted.ok() && *counted == expected;

  const double none = Median(none_seconds), with = Median(tracked_seconds);
  Report report("job");
  report.AddText("backend", absl::GetFlag(FLAGS_backend), "backend");
  report.Add("items", setup.items, "", "items per run");
  report.Add("workers", setup.workers, "", "worker threads");
  report.Add("item_us",
             absl::ToDoubleMicroseconds(absl::GetFlag(FLAGS_item_cost)), "us",
             "CPU per item");
  report.Add("untracked_seconds", none, "s", "wall time, untracked (median)");
  report.Add("tracked_seconds", with, "s", "wall time, tracked (median)");
  report.Add("slowdown_percent", (with / none - 1) * 100, "%",
             "slowdown (goal < 1 for progressd)");
  report.Add("counted", counted.ok() ? *counted : 0, "",
             absl::StrCat("counted (of ", expected, ")"));
  report.AddText("exact", exact ? "yes" : "NO", "count exact");
  report.Print(absl::GetFlag(FLAGS_json));
  return exact ? 0 : 1;
}

}  // namespace progress::bench
