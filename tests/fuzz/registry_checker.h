#ifndef PROGRESS_TESTS_FUZZ_REGISTRY_CHECKER_H_
#define PROGRESS_TESTS_FUZZ_REGISTRY_CHECKER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "registry/job_registry.h"

namespace progress::fuzz {

// Limits small enough that runs reach them (4 jobs, 3 clients a job, names
// of 8 bytes), a 2 s rate window, and `clock`.
RegistryOptions SmallRegistry(std::function<absl::Time()> clock);

// Ends the run with `what` when `ok` is false; libFuzzer saves the input.
void Require(bool ok, const std::string& what);

// What the registry says of one job, minus its rates (derived, checked apart).
struct JobState {
  uint64_t success = 0;
  uint64_t failure = 0;
  uint64_t expected_total = 0;
  uint32_t clients = 0;
  bool done = false;
  absl::Time created_time;
  std::optional<absl::Time> first_update_time;
  std::optional<absl::Time> last_update_time;
  std::optional<absl::Time> finish_time;

  bool operator==(const JobState& other) const;
};

// (job, client id) -> what that client's cursor has applied.
using CursorCounts =
    std::map<std::pair<std::string, std::string>, ClientCursor::Counts>;

// Everything a caller can observe of a registry, plus the cursors the
// fuzzer knows of. The fuzzers see every cursor made, since each is made
// through a call they issued.
struct RegistryState {
  std::map<std::string, JobState> jobs;
  CursorCounts cursors;

  bool operator==(const RegistryState& other) const;
};

// Reads every job through List, a few at a time so paging is exercised
// too, and checks the pages' order and rates on the way.
RegistryState Capture(const JobRegistry& registry, CursorCounts cursors);

// Checks each state on its own and against the one before: the limits
// hold; a job's counters are the sums of its clients' cursors; jobs,
// cursors, counters and timestamps never go back.
class InvariantChecker {
 public:
  explicit InvariantChecker(const RegistryLimits& limits) : limits_(limits) {}

  void Check(const RegistryState& now);

 private:
  const RegistryLimits limits_;
  std::optional<RegistryState> last_;
};

// For an operation that was refused with `status`: nothing it could reach
// may differ.
void RequireUnchanged(const RegistryState& before, const RegistryState& after,
                      const absl::Status& status);

}  // namespace progress::fuzz

#endif  // PROGRESS_TESTS_FUZZ_REGISTRY_CHECKER_H_
