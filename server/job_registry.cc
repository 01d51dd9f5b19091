#include "job_registry.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "names.h"

namespace progress {

JobRegistry::JobRegistry(RegistryOptions options)
    : options_(std::move(options)) {}

absl::Status JobRegistry::ValidateClientId(absl::string_view client_id) {
  return ValidateName("client id", client_id, kMaxClientIdBytes);
}

absl::Status JobRegistry::ValidateJobName(absl::string_view job) const {
  return ValidateName("job name", job, options_.limits.max_job_name_bytes);
}

Job* JobRegistry::Find(absl::string_view job) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = jobs_.find(job);
  return it == jobs_.end() ? nullptr : it->second.get();
}

absl::StatusOr<Job*> JobRegistry::FindOrCreate(absl::string_view job) {
  if (absl::Status valid = ValidateJobName(job); !valid.ok()) return valid;
  if (Job* existing = Find(job)) return existing;

  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job);
  if (it != jobs_.end()) return it->second.get();
  if (jobs_.size() >= options_.limits.max_jobs) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "cannot create job '%s': the daemon already holds %d jobs, the limit "
        "(--max_jobs)",
        job, options_.limits.max_jobs));
  }
  auto created = std::make_unique<Job>(std::string(job), options_.clock(),
                                       options_.rate_window);
  Job* raw = created.get();
  jobs_.emplace(std::string(job), std::move(created));
  return raw;
}

absl::StatusOr<std::shared_ptr<ClientCursor>> JobRegistry::ResolveCursor(
    absl::string_view job, absl::string_view client_id) {
  absl::StatusOr<Job*> found = FindOrCreate(job);
  if (!found.ok()) return found.status();
  return (*found)->CursorFor(client_id, options_.limits.max_clients_per_job);
}

absl::StatusOr<ApplyResult> JobRegistry::Apply(ClientCursor& cursor,
                                               uint64_t success,
                                               uint64_t failure) {
  absl::StatusOr<ApplyResult> result =
      cursor.job().ApplyCumulative(cursor, success, failure, options_.clock());
  if (!result.ok()) {
    overflows_rejected_.fetch_add(1, std::memory_order_relaxed);
    return result;
  }
  entries_applied_.fetch_add(1, std::memory_order_relaxed);
  if (result->regressed) {
    regressions_ignored_.fetch_add(1, std::memory_order_relaxed);
  }
  return result;
}

absl::StatusOr<JobSnapshot> JobRegistry::Get(absl::string_view job) const {
  if (absl::Status valid = ValidateJobName(job); !valid.ok()) return valid;
  Job* found = Find(job);
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrFormat("no job named '%s'", job));
  }
  return found->Snapshot(options_.clock());
}

absl::StatusOr<JobSnapshot> JobRegistry::Start(absl::string_view job,
                                               uint64_t expected_total) {
  absl::StatusOr<Job*> found = FindOrCreate(job);
  if (!found.ok()) return found.status();
  if ((*found)->done()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "job '%s' is already finished; start a job with a new name", job));
  }
  (*found)->SetExpectedTotal(expected_total);
  return (*found)->Snapshot(options_.clock());
}

absl::StatusOr<JobSnapshot> JobRegistry::Finish(absl::string_view job) {
  if (absl::Status valid = ValidateJobName(job); !valid.ok()) return valid;
  Job* found = Find(job);
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrFormat("no job named '%s'", job));
  }
  const absl::Time now = options_.clock();
  found->MarkDone(now);
  return found->Snapshot(now);
}

JobPage JobRegistry::List(absl::string_view after, size_t page_size) const {
  JobPage page;
  std::vector<Job*> selected;
  bool more = false;
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = after.empty() ? jobs_.begin() : jobs_.upper_bound(after);
    for (; it != jobs_.end() && selected.size() < page_size; ++it) {
      selected.push_back(it->second.get());
    }
    more = it != jobs_.end();
  }
  // Snapshots are taken outside the registry lock: jobs are never removed.
  const absl::Time now = options_.clock();
  page.jobs.reserve(selected.size());
  for (const Job* job : selected) page.jobs.push_back(job->Snapshot(now));
  if (more && !page.jobs.empty()) page.next_after = page.jobs.back().name;
  return page;
}

void JobRegistry::SampleRates() {
  std::vector<Job*> all;
  {
    absl::ReaderMutexLock lock(&mu_);
    all.reserve(jobs_.size());
    for (const auto& [name, job] : jobs_) all.push_back(job.get());
  }
  const absl::Time now = options_.clock();
  for (Job* job : all) job->SampleRate(now);
}

RegistryStats JobRegistry::Stats() const {
  RegistryStats stats;
  {
    absl::ReaderMutexLock lock(&mu_);
    stats.jobs = jobs_.size();
    for (const auto& [name, job] : jobs_) {
      stats.client_cursors += job->client_count();
    }
  }
  stats.entries_applied = entries_applied_.load(std::memory_order_relaxed);
  stats.regressions_ignored =
      regressions_ignored_.load(std::memory_order_relaxed);
  stats.overflows_rejected =
      overflows_rejected_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace progress
