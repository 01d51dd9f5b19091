#ifndef PROGRESS_BENCH_BENCH_STATS_H_
#define PROGRESS_BENCH_BENCH_STATS_H_

// What progress-bench measures with: latency percentiles, and a process's CPU
// time and resident memory read from /proc.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/time/time.h"

namespace progress::bench {

struct Percentiles {
  absl::Duration p50, p90, p99, max;
  size_t samples = 0;
};

Percentiles Summarize(std::vector<absl::Duration> latencies);

// The CPU seconds (user + system) process `pid` has used so far; 0 if it
// cannot be read.
double CpuSeconds(int pid);

// Process `pid`'s resident set size in bytes (VmRSS); 0 if it cannot be read.
uint64_t ResidentBytes(int pid);

// `pid` and the processes it started (progressd's read server).
std::vector<int> WithChildren(int pid);

}  // namespace progress::bench

#endif  // PROGRESS_BENCH_BENCH_STATS_H_
