// The registry's retention: folding idle clients, forgetting old tombstones
// and dropping finished jobs, so memory follows what is live.
#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "registry/job_registry.h"

namespace progress {

std::vector<JobSnapshot> JobRegistry::Sweep() {
  const RetentionOptions& retention = options_.retention;
  const absl::Time now = options_.clock();
  const absl::Time finished_before = now - retention.finished_job_ttl;
  std::vector<std::shared_ptr<Job>> finished;
  uint64_t folded = 0;
  bool changed = false;
  for (const std::shared_ptr<Job>& job : All()) {
    // A closed client's tombstone only has to outlast a retry of its last
    // stream; a silent one's, the client waking up.
    const FoldResult result =
        job->FoldIdle(now - retention.client_ttl, now - retention.tombstone_ttl,
                      now - retention.client_ttl, now);
    folded += result.folded;
    changed = changed || result.folded > 0 || result.expired > 0;
    // From the later of the finish and the last update: a late increment,
    // confirmed to its client, keeps the job for another TTL.
    const std::optional<absl::Time> finish = job->finish_time();
    if (finish.has_value() &&
        std::max(*finish, job->last_update_time()) < finished_before) {
      finished.push_back(job);
    }
  }
  clients_folded_.fetch_add(folded, std::memory_order_relaxed);
  std::vector<JobSnapshot> dropped;
  if (!finished.empty()) dropped = DropFinished(finished);
  if (changed || !dropped.empty()) {
    changes_.fetch_add(1, std::memory_order_acq_rel);
  }
  return dropped;
}

std::vector<JobSnapshot> JobRegistry::DropFinished(
    const std::vector<std::shared_ptr<Job>>& candidates) {
  std::vector<JobSnapshot> dropped;
  const absl::Time now = options_.clock();
  // Exclusive: no stream can resolve a cursor of a job while it is checked
  // and dropped, so one no stream holds now stays unheld.
  absl::MutexLock lock(&mu_);
  for (const std::shared_ptr<Job>& job : candidates) {
    auto it = jobs_.find(job->name());
    if (it == jobs_.end() || it->second != job || !job->Unheld()) continue;
    dropped.push_back(job->Snapshot(now));
    jobs_.erase(it);
  }
  jobs_dropped_.fetch_add(dropped.size(), std::memory_order_relaxed);
  return dropped;
}

void JobRegistry::Retire(absl::string_view client_id,
                         std::shared_ptr<ClientCursor> cursor) {
  Job& job = cursor->job();
  if (job.Retire(client_id, std::move(cursor), options_.clock())) {
    clients_folded_.fetch_add(1, std::memory_order_relaxed);
    changes_.fetch_add(1, std::memory_order_acq_rel);
  }
}

}  // namespace progress
