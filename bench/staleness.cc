// progress-bench staleness: from a worker's AddSuccess to the value being
// visible in GetCounts. The library sends at most once per flush interval,
// so this is bounded by it plus one round trip and the daemon's apply.
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench_flags.h"
#include "bench_report.h"
#include "bench_stats.h"
#include "bench_target.h"
#include "progress/client.hpp"

namespace progress::bench {

int RunStalenessMode() {
  const std::optional<Target> target = TargetFromFlags();
  if (!target) return 2;
  if (target->backend != Backend::kProgressd) {
    std::fprintf(stderr, "progress-bench: staleness is progressd's only\n");
    return 2;
  }
  const int samples = absl::GetFlag(FLAGS_samples);
  if (samples < 1) {
    std::fprintf(stderr, "progress-bench: --samples must be positive\n");
    return 2;
  }
  const std::string job_name = absl::StrCat(
      absl::GetFlag(FLAGS_job), "-staleness-", absl::ToUnixNanos(absl::Now()));
  ClientOptions options;
  options.target = target->address;
  Client client(options);
  Job job = client.GetJob(job_name);
  const std::string read_server = absl::GetFlag(FLAGS_read_server);
  absl::StatusOr<std::unique_ptr<CounterReader>> reader = MakeCounterReader(
      Backend::kProgressd, read_server.empty() ? target->address : read_server,
      job_name, target->security);
  if (!reader.ok()) {
    std::fprintf(stderr, "progress-bench: %s\n",
                 reader.status().ToString().c_str());
    return 1;
  }
  // Adds land at random points of the flush timer's cycle.
  std::mt19937 random(12345);
  std::uniform_int_distribution<int> pause_us(0, 50'000);
  std::vector<absl::Duration> latencies;
  int lost = 0;
  for (int n = 1; n <= samples; ++n) {
    absl::SleepFor(absl::Microseconds(pause_us(random)));
    job.AddSuccess(1);
    const absl::Time added = absl::Now();
    const absl::Time give_up = added + absl::Seconds(10);
    while (true) {
      const absl::StatusOr<uint64_t> value = (*reader)->Read();
      if (value.ok() && *value >= static_cast<uint64_t>(n)) {
        latencies.push_back(absl::Now() - added);
        break;
      }
      if (absl::Now() > give_up) {
        ++lost;
        break;
      }
      absl::SleepFor(absl::Microseconds(500));
    }
  }
  client.Flush(std::chrono::seconds(10));
  const absl::StatusOr<uint64_t> counted = (*reader)->Read();
  const bool exact =
      lost == 0 && counted.ok() && *counted == static_cast<uint64_t>(samples);
  const Percentiles p = Summarize(latencies);
  const double flush_ms = static_cast<double>(options.flush_interval.count());
  Report report("staleness");
  report.Add("samples", p.samples, "", "adds timed");
  report.Add("p50_ms", absl::ToDoubleMilliseconds(p.p50), "ms", "p50");
  report.Add("p99_ms", absl::ToDoubleMilliseconds(p.p99), "ms", "p99");
  report.Add("max_ms", absl::ToDoubleMilliseconds(p.max), "ms", "max");
  report.Add("goal_ms", flush_ms + 10, "ms", "goal for p99: flush + 10 ms");
  report.Add("not_seen", lost, "", "adds not visible within 10 s");
  report.AddText("exact", exact ? "yes" : "NO", "count exact");
  report.Print(absl::GetFlag(FLAGS_json));
  return exact ? 0 : 1;
}

}  // namespace progress::bench
