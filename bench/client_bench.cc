// What a worker pays to report progress: Job::AddSuccess through the shared
// library's C interface, next to a bare relaxed atomic add in this binary.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>

#include "progress/client.hpp"

namespace {

progress::Job& BenchJob() {
  // No daemon needed: adds never touch the network. Loopback only.
  static progress::Client* client = [] {
    progress::ClientOptions options;
    options.target = "127.0.0.1:9";
    return new progress::Client(options);
  }();
  static progress::Job job = client->GetJob("bench-add");
  return job;
}

void BM_AddSuccess(benchmark::State& state) {
  progress::Job& job = BenchJob();
  for (auto _ : state) job.AddSuccess(1);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AddSuccess)->ThreadRange(1, 2)->UseRealTime();

void BM_RelaxedAtomicAdd(benchmark::State& state) {
  static std::atomic<uint64_t> counter{0};
  for (auto _ : state) counter.fetch_add(1, std::memory_order_relaxed);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RelaxedAtomicAdd)->ThreadRange(1, 2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
