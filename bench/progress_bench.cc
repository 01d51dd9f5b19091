// progress-bench: load and measure a running progressd (or, for comparison,
// a redis-server) and print one table of figures; --json prints it as JSON.
// bench/compare runs it against both and BENCHMARKS.md explains the figures.
//
//   progress-bench flood --server=127.0.0.1:50051 --streams=64 --duration=5s
//   progress-bench read --server=127.0.0.1:50051 --cadence=2ms --duration=5s
//   progress-bench worker-cost --server=127.0.0.1:50051
//   progress-bench job --server=127.0.0.1:50051 --backend=redis
//   progress-bench staleness --server=127.0.0.1:50051
//
// Timings pass or fail nothing; the exit code says whether every count the
// daemon (or Redis) holds afterwards is exactly what was sent.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "bench_flags.h"
#include "tls_flags.h"

ABSL_FLAG(std::string, server, "",
          "The daemon (or, with --backend=redis, the redis-server) to load, "
          "host:port. Required, except by worker-cost.");
ABSL_FLAG(std::string, read_server, "",
          "staleness: read the counts here (progressd's --read_listen) "
          "rather than at --server.");
ABSL_FLAG(std::string, backend, "progressd",
          "progressd, or redis (flood, read, job): the same workload as "
          "INCRBY and GET on the job's key.");
ABSL_FLAG(std::string, job, "bench", "The job (Redis: key) to count on.");
ABSL_FLAG(bool, json, false, "Print the figures as one JSON object.");
ABSL_FLAG(int, streams, 64,
          "flood: concurrent streams, each a client on its own connection.");
ABSL_FLAG(int, threads, 2, "flood: threads driving the streams.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5),
          "flood, read: how long to run (flood: unless --records is set).");
ABSL_FLAG(uint64_t, records, 0,
          "flood: stop after this many messages in all (0: run --duration); "
          "worker-cost: adds per thread and run (0: 20,000,000).");
ABSL_FLAG(absl::Duration, stream_interval, absl::ZeroDuration(),
          "flood: each stream sends one message this often (0: as fast as "
          "it can; 100ms: what a client at the default flush interval "
          "sends at most).");
ABSL_FLAG(int, pipeline, 16,
          "flood with --backend=redis: commands per connection before "
          "reading replies, when not paced.");
ABSL_FLAG(int, daemon_pid, 0,
          "flood: the server's pid, to report its CPU per 1,000 messages and "
          "its resident memory.");
ABSL_FLAG(std::string, metrics, "",
          "flood: also scrape this /metrics address (host:port, plain HTTP) "
          "every --scrape_interval meanwhile, to see what scrapes cost a "
          "flood (run once without to compare).");
ABSL_FLAG(absl::Duration, scrape_interval, absl::Seconds(1),
          "flood with --metrics: time between scrapes.");
ABSL_FLAG(absl::Duration, cadence, absl::Milliseconds(2),
          "read: time one read this often, as a dashboard polling hard.");
ABSL_FLAG(int, workers, 2, "job: worker threads of the batch job.");
ABSL_FLAG(uint64_t, items, 100000, "job: items the batch job processes.");
ABSL_FLAG(absl::Duration, item_cost, absl::Microseconds(20),
          "job: CPU time one item takes (calibrated at start).");
ABSL_FLAG(int, batch, 100,
          "job with --backend=redis: items per INCRBY (progressd: each item "
          "is one AddSuccess).");
ABSL_FLAG(int, repeats, 3,
          "job: runs of each variant, alternated; the median is reported.");
ABSL_FLAG(int, samples, 100, "staleness: adds timed until visible.");

int main(int argc, char** argv) {
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "progress_bench.cc") ||
           progress::internal::IsTlsFlagFile(path);
  };
  absl::SetFlagsUsageConfig(usage_config);
  absl::SetProgramUsageMessage(
      "progress-bench MODE [flags]: measures progressd (or redis-server).\n"
      "  flood        Increment streams (or INCRBY) as fast as they go, or\n"
      "               paced per stream; messages/s, exactness, server CPU "
      "and memory\n"
      "  read         GetCounts (or GET) every --cadence; latency "
      "percentiles\n"
      "  worker-cost  AddSuccess ns/op beside a bare relaxed fetch_add\n"
      "  job          a CPU-bound batch job's wall time, tracked vs not\n"
      "  staleness    time from AddSuccess to the value in GetCounts\n"
      "Run bench/compare for all of them against progressd and Redis.");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() != 2) {
    std::fprintf(stderr,
                 "progress-bench: give exactly one mode (flood, read, "
                 "worker-cost, job, staleness); --help explains\n");
    return 2;
  }
  const std::string mode = positional[1];
  if (mode == "flood") return progress::bench::RunFloodMode();
  if (mode == "read") return progress::bench::RunReadMode();
  if (mode == "worker-cost") return progress::bench::RunWorkerCostMode();
  if (mode == "job") return progress::bench::RunJobMode();
  if (mode == "staleness") return progress::bench::RunStalenessMode();
  std::fprintf(stderr, "progress-bench: unknown mode '%s'; --help lists them\n",
               mode.c_str());
  return 2;
}
