// progress-bench read: a dashboard polling hard. Times one read every
// --cadence from its own process, as the reporter is one, so the figures are
// the server's and not a load generator's threads competing in-process.
#include <cstdio>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "bench_flags.h"
#include "bench_report.h"
#include "bench_stats.h"
#include "bench_target.h"

namespace progress::bench {

int RunReadMode() {
  const std::optional<Target> target = TargetFromFlags();
  if (!target) return 2;
  const absl::Duration cadence = absl::GetFlag(FLAGS_cadence);
  absl::StatusOr<std::unique_ptr<CounterReader>> reader =
      MakeCounterReader(target->backend, target->address,
                        absl::GetFlag(FLAGS_job), target->security);
  if (!reader.ok()) {
    std::fprintf(stderr, "progress-bench: %s\n",
                 reader.status().ToString().c_str());
    return 1;
  }
  // The first read connects; it is not a figure.
  // A read-only address (progressd --read_listen) refuses StartJob; the
  // job is then whatever writers make of it.
  const absl::Status created = (*reader)->Create();
  absl::StatusOr<uint64_t> first =
      created.ok() || absl::IsFailedPrecondition(created)
          ? (*reader)->Read()
          : absl::StatusOr<uint64_t>(created);
  if (!first.ok()) {
    std::fprintf(stderr, "progress-bench: first read failed: %s\n",
                 first.status().ToString().c_str());
    return 1;
  }
  std::vector<absl::Duration> latencies;
  uint64_t last = *first;
  int failures = 0, decreases = 0;
  uint64_t missed = 0;
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::GetFlag(FLAGS_duration);
  absl::Time next = start;
  while (next < end) {
    const absl::Time now = absl::Now();
    if (next > now) absl::SleepFor(next - now);
    const absl::Time sent = absl::Now();
    const absl::StatusOr<uint64_t> value = (*reader)->Read();
    latencies.push_back(absl::Now() - sent);
    if (!value.ok()) {
      if (failures++ == 0) {
        std::fprintf(stderr, "read failed: %s\n",
                     value.status().ToString().c_str());
      }
    } else {
      if (*value < last) ++decreases;
      last = *value;
    }
    // A slow read delays the next one rather than bunching them up; the
    // slots it let pass are counted, since each is a read a dashboard would
    // have waited on too (the percentiles alone would understate stalls).
    next += cadence;
    const absl::Time after = absl::Now();
    if (after > next) {
      missed += static_cast<uint64_t>((after - next) / cadence);
      next = after;
    }
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const Percentiles p = Summarize(latencies);
  Report report("read");
  report.AddText("backend", absl::GetFlag(FLAGS_backend), "backend");
  report.Add("reads", p.samples, "", "reads");
  report.Add("reads_per_second", p.samples / seconds, "/s", "reads per second");
  report.Add("p50_ms", absl::ToDoubleMilliseconds(p.p50), "ms", "p50");
  report.Add("p90_ms", absl::ToDoubleMilliseconds(p.p90), "ms", "p90");
  report.Add("p99_ms", absl::ToDoubleMilliseconds(p.p99), "ms", "p99");
  report.Add("max_ms", absl::ToDoubleMilliseconds(p.max), "ms", "max");
  report.Add("missed_slots", missed, "",
             "cadence slots passed while a read was slow");
  report.Add("failures", failures, "", "failed reads");
  report.Add("decreases", decreases, "", "reads lower than the one before");
  report.Print(absl::GetFlag(FLAGS_json));
  return failures == 0 && decreases == 0 ? 0 : 1;
}

}  // namespace progress::bench
