#include "job_table.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "fork_safe_clock.h"
#include "names.h"

namespace progress::client {
namespace {

// How many jobs a report of unconfirmed counts names.
constexpr size_t kJobsNamed = 5;

// Starts the job's idle time again if its values changed since last seen; a
// forgotten job that changed is live again.
void NoteValues(JobCounter& counter, uint64_t success, uint64_t failure,
                absl::Time now) {
  if (success == counter.seen_success && failure == counter.seen_failure) {
    return;
  }
  counter.seen_success = success;
  counter.seen_failure = failure;
  counter.seen_since = now;
  counter.forgotten = false;
}

// Whether the job has counts that have not changed since before `cutoff`.
// (A change the flusher has not yet seen makes it busy, not idle.)
bool IdleSince(const JobCounter& counter, absl::Time cutoff) {
  const uint64_t success = counter.success.load(std::memory_order_relaxed);
  const uint64_t failure = counter.failure.load(std::memory_order_relaxed);
  return (success != 0 || failure != 0) && success == counter.seen_success &&
         failure == counter.seen_failure && counter.seen_since <= cutoff;
}

}  // namespace

absl::StatusOr<JobCounter*> JobTable::Get(absl::string_view job) {
  if (absl::Status valid =
          ValidateName("job name", job, kDefaultMaxJobNameBytes);
      !valid.ok()) {
    return valid;
  }
  absl::MutexLock lock(&mu_);
  auto it = by_name_.find(job);
  if (it != by_name_.end()) return it->second;
  jobs_.push_back(std::make_unique<JobCounter>(std::string(job)));
  JobCounter* counter = jobs_.back().get();
  by_name_.emplace(counter->name, counter);
  return counter;
}

std::vector<JobValues> JobTable::Take(Which which) {
  std::vector<JobValues> taken;
  const absl::Time now = Now();
  absl::MutexLock lock(&mu_);
  for (const auto& counter : jobs_) {
    if (counter->refused) continue;
    const uint64_t success = counter->success.load(std::memory_order_relaxed);
    const uint64_t failure = counter->failure.load(std::memory_order_relaxed);
    NoteValues(*counter, success, failure, now);
    if (counter->forgotten) continue;
    const bool wanted = which == Which::kAll
                            ? success != 0 || failure != 0
                            : success != counter->sent_success ||
                                  failure != counter->sent_failure;
    if (wanted) taken.push_back({counter.get(), success, failure});
  }
  return taken;
}

bool JobTable::AnyIdleSince(absl::Time cutoff) {
  absl::MutexLock lock(&mu_);
  for (const auto& counter : jobs_) {
    if (!counter->refused && !counter->forgotten &&
        IdleSince(*counter, cutoff)) {
      return true;
    }
  }
  return false;
}

void JobTable::Forget(absl::Time cutoff) {
  absl::MutexLock lock(&mu_);
  for (const auto& counter : jobs_) {
    if (counter->refused || counter->forgotten ||
        !IdleSince(*counter, cutoff)) {
      continue;
    }
    // Confirmed values at or above ours: the daemon holds all we have (more
    // only if this client id was used before this client started).
    counter->forgotten = counter->confirmed_success >= counter->seen_success &&
                         counter->confirmed_failure >= counter->seen_failure;
  }
}

std::string JobTable::UnconfirmedReport() {
  uint64_t success = 0;
  uint64_t failure = 0;
  size_t jobs = 0;
  std::vector<std::string> named;
  absl::MutexLock lock(&mu_);
  for (const auto& counter : jobs_) {
    const uint64_t local_success =
        counter->success.load(std::memory_order_relaxed);
    const uint64_t local_failure =
        counter->failure.load(std::memory_order_relaxed);
    const uint64_t missing_success =
        local_success > counter->confirmed_success
            ? local_success - counter->confirmed_success
            : 0;
    const uint64_t missing_failure =
        local_failure > counter->confirmed_failure
            ? local_failure - counter->confirmed_failure
            : 0;
    if (missing_success == 0 && missing_failure == 0) continue;
    success += missing_success;
    failure += missing_failure;
    ++jobs;
    if (named.size() < kJobsNamed) {
      named.push_back(absl::StrCat("'", counter->name, "' ",
                                   missing_success + missing_failure));
    }
  }
  if (jobs == 0) return "every count had been confirmed before";
  return absl::StrFormat(
      "%d records (%d success, %d failure) of %d job%s were not confirmed "
      "and may be lost: %s%s",
      success + failure, success, failure, jobs, jobs == 1 ? "" : "s",
      absl::StrJoin(named, ", "), jobs > kJobsNamed ? ", ..." : "");
}

void JobTable::AdoptZeroed(JobTable& inherited) {
  // The child runs one thread, and `inherited` belongs to no one any more:
  // its lock is not taken (the forking thread may still hold it).
  absl::MutexLock lock(&mu_);
  for (auto& counter : inherited.jobs_) {
    counter->success.store(0, std::memory_order_relaxed);
    counter->failure.store(0, std::memory_order_relaxed);
    counter->sent_success = counter->sent_failure = 0;
    counter->confirmed_success = counter->confirmed_failure = 0;
    counter->seen_success = counter->seen_failure = 0;
    counter->seen_since = absl::InfinitePast();
    counter->forgotten = false;
    counter->refused = false;
    counter->refusal.clear();
    by_name_.emplace(counter->name, counter.get());
    jobs_.push_back(std::move(counter));
  }
  inherited.jobs_.clear();
  inherited.by_name_.clear();
}

}  // namespace progress::client
