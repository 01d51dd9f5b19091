#ifndef PROGRESS_BENCH_FLOOD_STATS_H_
#define PROGRESS_BENCH_FLOOD_STATS_H_

// The figures increment_flood prints: latency percentiles and a process's
// CPU time.
#include <cstddef>
#include <vector>

#include "absl/time/time.h"

namespace progress::bench {

struct Percentiles {
  absl::Duration p50, p99, max;
  size_t samples = 0;
};

Percentiles Summarize(std::vector<absl::Duration> latencies);

// The CPU seconds (user + system) process `pid` has used so far.
double CpuSeconds(int pid);

}  // namespace progress::bench

#endif  // PROGRESS_BENCH_FLOOD_STATS_H_
