// The registry's write path alone, without gRPC: what applying one cumulative
// message costs, uncontended and with threads on distinct clients of one job.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "registry/job_registry.h"

namespace progress {
namespace {

JobRegistry& SharedRegistry() {
  static auto* registry = new JobRegistry();
  return *registry;
}

void BM_ApplyThroughResolvedCursor(benchmark::State& state) {
  auto cursor =
      SharedRegistry()
          .ResolveCursor("bench",
                         "client-" + std::to_string(state.thread_index()))
          .value();
  uint64_t cumulative = cursor->applied().success;
  for (auto _ : state) {
    auto result = SharedRegistry().Apply(*cursor, ++cumulative, 0);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApplyThroughResolvedCursor)->ThreadRange(1, 4)->UseRealTime();

void BM_ResolveCursorEveryMessage(benchmark::State& state) {
  // What the per-message path would cost if a stream looked its job up every
  // time under the registry's shared lock instead of resolving it once.
  const std::string client = "lookup-" + std::to_string(state.thread_index());
  uint64_t cumulative = 0;
  for (auto _ : state) {
    auto cursor = SharedRegistry().ResolveCursor("bench", client).value();
    auto result = SharedRegistry().Apply(*cursor, ++cumulative, 0);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ResolveCursorEveryMessage)->ThreadRange(1, 4)->UseRealTime();

void BM_RelaxedAtomicAdd(benchmark::State& state) {
  static std::atomic<uint64_t> counter{0};
  for (auto _ : state) counter.fetch_add(1, std::memory_order_relaxed);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RelaxedAtomicAdd)->ThreadRange(1, 4)->UseRealTime();

}  // namespace
}  // namespace progress

BENCHMARK_MAIN();
