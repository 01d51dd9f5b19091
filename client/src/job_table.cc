#include "job_table.h"

#include <utility>

#include "names.h"

namespace progress::client {

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
  absl::MutexLock lock(&mu_);
  for (const auto& counter : jobs_) {
    if (counter->refused) continue;
    const uint64_t success = counter->success.load(std::memory_order_relaxed);
    const uint64_t failure = counter->failure.load(std::memory_order_relaxed);
    const bool wanted = which == Which::kAll
                            ? success != 0 || failure != 0
                            : success != counter->sent_success ||
                                  failure != counter->sent_failure;
    if (wanted) taken.push_back({counter.get(), success, failure});
  }
  return taken;
}

void JobTable::ForEach(const std::function<void(JobCounter&)>& visit) {
  absl::MutexLock lock(&mu_);
  for (const auto& counter : jobs_) visit(*counter);
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
    counter->refused = false;
    counter->refusal.clear();
    by_name_.emplace(counter->name, counter.get());
    jobs_.push_back(std::move(counter));
  }
  inherited.jobs_.clear();
  inherited.by_name_.clear();
}

}  // namespace progress::client
