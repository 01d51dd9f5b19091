#ifndef PROGRESS_BENCH_BENCH_FLAGS_H_
#define PROGRESS_BENCH_BENCH_FLAGS_H_

// progress-bench's flags, shared by its modes (progress_bench.cc defines
// them and says which mode reads which).
#include <cstdint>
#include <string>

#include "absl/flags/declare.h"
#include "absl/time/time.h"

ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(std::string, read_server);
ABSL_DECLARE_FLAG(std::string, backend);
ABSL_DECLARE_FLAG(std::string, job);
ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(int, streams);
ABSL_DECLARE_FLAG(int, threads);
ABSL_DECLARE_FLAG(absl::Duration, duration);
ABSL_DECLARE_FLAG(uint64_t, records);
ABSL_DECLARE_FLAG(absl::Duration, stream_interval);
ABSL_DECLARE_FLAG(int, pipeline);
ABSL_DECLARE_FLAG(int, daemon_pid);
ABSL_DECLARE_FLAG(std::string, metrics);
ABSL_DECLARE_FLAG(absl::Duration, scrape_interval);
ABSL_DECLARE_FLAG(absl::Duration, cadence);
ABSL_DECLARE_FLAG(int, workers);
ABSL_DECLARE_FLAG(uint64_t, items);
ABSL_DECLARE_FLAG(absl::Duration, item_cost);
ABSL_DECLARE_FLAG(int, batch);
ABSL_DECLARE_FLAG(int, repeats);
ABSL_DECLARE_FLAG(int, samples);

namespace progress::bench {

// Each mode: runs, prints its Report, and returns the process's exit code:
// 0 when every count was exact, 1 when one was not, 2 for bad flags.
int RunFloodMode();
int RunReadMode();
int RunWorkerCostMode();
int RunJobMode();
int RunStalenessMode();

}  // namespace progress::bench

#endif  // PROGRESS_BENCH_BENCH_FLAGS_H_
