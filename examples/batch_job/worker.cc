// batch_job_worker: processes records [first, first + count) in batches,
// reporting each batch through the process-wide progress client, like a
// map_batches worker. Prints "RESULT <success> <failure>" for the driver.
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "progress/client.hpp"
#include "work.h"

ABSL_FLAG(std::string, job, "", "Job to report on (required).");
ABSL_FLAG(uint64_t, first, 0, "First record id.");
ABSL_FLAG(uint64_t, count, 0, "Number of records.");
ABSL_FLAG(uint64_t, batch_size, 500, "Records per batch.");
ABSL_FLAG(double, failure_rate, 0.02, "Fraction of records that fail.");
ABSL_FLAG(int, rounds, 400, "Hash rounds per record: the work per record.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "processes a range of records and reports progress; run by "
      "batch_job_driver.");
  absl::ParseCommandLine(argc, argv);
  const uint64_t first = absl::GetFlag(FLAGS_first);
  const uint64_t count = absl::GetFlag(FLAGS_count);
  const uint64_t batch_size =
      std::max<uint64_t>(1, absl::GetFlag(FLAGS_batch_size));
  const double failure_rate = absl::GetFlag(FLAGS_failure_rate);
  const int rounds = absl::GetFlag(FLAGS_rounds);

  progress::Client& client = progress::Client::Default();
  progress::Job job = client.GetJob(absl::GetFlag(FLAGS_job));
  if (!job.valid()) {
    std::fprintf(stderr, "worker: %s\n", job.status().ToString().c_str());
    return 2;
  }

  uint64_t success = 0, failure = 0;
  for (uint64_t start = first; start < first + count; start += batch_size) {
    const uint64_t end = std::min(first + count, start + batch_size);
    uint64_t batch_ok = 0, batch_failed = 0;
    for (uint64_t record = start; record < end; ++record) {
      if (batch_job::ProcessRecord(record, rounds, failure_rate)) {
        ++batch_ok;
      } else {
        ++batch_failed;
      }
    }
    // One atomic add per counter per batch: the worker never waits on this.
    job.AddSuccess(batch_ok);
    job.AddFailure(batch_failed);
    success += batch_ok;
    failure += batch_failed;
  }

  // The end of the task: make sure the daemon has it before the process goes.
  const progress::Status flushed = client.Flush(std::chrono::seconds(20));
  if (!flushed.ok()) {
    std::fprintf(stderr, "worker: flush failed: %s\n",
                 flushed.ToString().c_str());
    return 1;
  }
  std::printf("RESULT %llu %llu\n", static_cast<unsigned long long>(success),
              static_cast<unsigned long long>(failure));
  return 0;
}
