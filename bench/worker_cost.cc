// progress-bench worker-cost: what a worker pays per AddSuccess, beside the
// cheapest thing it could do instead, a relaxed fetch_add, in this binary.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"
#include "bench_flags.h"
#include "bench_report.h"
#include "bench_target.h"
#include "progress/client.hpp"

namespace progress::bench {
namespace {

constexpr uint64_t kDefaultOpsPerThread = 20'000'000;
constexpr int kRuns = 5;

// Nanoseconds one thread takes per call of `op` while `threads` threads
// call it at once; the median of kRuns.
double NanosPerOp(int threads, uint64_t ops_per_thread,
                  const std::function<void()>& op) {
  std::vector<double> runs;
  for (int run = 0; run < kRuns; ++run) {
    absl::Barrier* start = new absl::Barrier(threads + 1);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&op, start, ops_per_thread] {
        start->Block();
        for (uint64_t i = 0; i < ops_per_thread; ++i) op();
      });
    }
    if (start->Block()) delete start;
    const absl::Time begin = absl::Now();
    for (auto& thread : pool) thread.join();
    runs.push_back(absl::ToDoubleNanoseconds(absl::Now() - begin) /
                   ops_per_thread);
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

}  // namespace

int RunWorkerCostMode() {
  const std::optional<Target> target = TargetFromFlags(false);
  if (!target) return 2;
  if (target->backend != Backend::kProgressd) {
    std::fprintf(stderr, "progress-bench: worker-cost is progressd's only\n");
    return 2;
  }
  ClientOptions options;
  // Adds never touch the network; without a daemon, a port nothing
  // listens on serves, and exactness is not checked.
  options.target = target->address.empty() ? "127.0.0.1:9" : target->address;
  Client client(options);
  // A job of this run's own, so the daemon's count is this run's adds.
  const std::string job_name =
      absl::StrCat(absl::GetFlag(FLAGS_job), "-worker-cost-",
                   absl::ToUnixNanos(absl::Now()));
  Job job = client.GetJob(job_name);
  std::atomic<uint64_t> bare{0};
  const uint64_t ops = absl::GetFlag(FLAGS_records) > 0
                           ? absl::GetFlag(FLAGS_records)
                           : kDefaultOpsPerThread;

  Report report("worker-cost");
  for (int threads : {1, 2}) {
    const double add_success =
        NanosPerOp(threads, ops, [&job] { job.AddSuccess(1); });
    const double fetch_add = NanosPerOp(threads, ops, [&bare] {
      bare.fetch_add(1, std::memory_order_relaxed);
    });
    const std::string suffix = absl::StrCat("_", threads, "_thread");
    report.Add("add_success_ns" + suffix, add_success, "ns",
               absl::StrCat("AddSuccess, ", threads, " thread(s)"));
    report.Add("fetch_add_ns" + suffix, fetch_add, "ns",
               absl::StrCat("relaxed fetch_add, ", threads, " thread(s)"));
    report.Add("ratio" + suffix, add_success / fetch_add, "x",
               "AddSuccess / fetch_add (goal <= 2)");
  }
  const uint64_t added = 3ull * kRuns * ops;  // 1 + 2 threads.
  bool exact = true;
  if (!target->address.empty()) {
    const Status flushed = client.Flush(std::chrono::seconds(30));
    absl::StatusOr<std::unique_ptr<CounterReader>> reader = MakeCounterReader(
        Backend::kProgressd, target->address, job_name, target->security);
    absl::StatusOr<uint64_t> counted =
        reader.ok() ? (*reader)->Read() : reader.status();
    exact = flushed.ok() && counted.ok() && *counted == added;
    report.Add("counted", counted.ok() ? *counted : 0, "",
               absl::StrCat("counted by the daemon (of ", added, ")"));
    report.AddText("exact", exact ? "yes" : "NO", "count exact");
  }
  report.Print(absl::GetFlag(FLAGS_json));
  return exact ? 0 : 1;
}

}  // namespace progress::bench
