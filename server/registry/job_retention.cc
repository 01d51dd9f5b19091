// Folding a job's client entries into its retired sum, so the daemon's
// memory follows the clients that are live, not every client ever seen.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "registry/job.h"

namespace progress {
namespace {

// Clients folded per hold of a job's lock.
constexpr size_t kFoldBatch = 1024;

}  // namespace

size_t Job::live_client_count() const {
  absl::ReaderMutexLock lock(&clients_mu_);
  return clients_.size();
}

size_t Job::tombstone_count() const {
  absl::ReaderMutexLock lock(&clients_mu_);
  return tombstones_.size();
}

void Job::FoldLocked(
    absl::flat_hash_map<std::string, std::shared_ptr<ClientCursor>>::iterator
        it,
    absl::Time now, bool closed) {
  // No stream holds the cursor, so no apply can move it meanwhile; the lock
  // is for the reader a snapshot may be.
  const ClientCursor::Counts applied = it->second->applied();
  retired_.success += applied.success;
  retired_.failure += applied.failure;
  tombstones_.insert_or_assign(
      it->first, Tombstone{applied, absl::ToUnixNanos(now), closed});
  clients_.erase(it);
}

FoldResult Job::FoldIdle(absl::Time idle_before, absl::Time forget_before,
                         absl::Time forget_closed_before, absl::Time now) {
  const int64_t idle_ns = absl::ToUnixNanos(idle_before);
  const int64_t forget_ns = absl::ToUnixNanos(forget_before);
  const int64_t forget_closed_ns = absl::ToUnixNanos(forget_closed_before);
  auto forgettable = [=](const Tombstone& tombstone) {
    return tombstone.folded_ns <
           (tombstone.closed ? forget_closed_ns : forget_ns);
  };
  // A cursor only the job holds: a stream that holds it copied it under
  // clients_mu_ (FindCursor, AddCursor), so under the exclusive lock the
  // count cannot grow behind our back.
  auto foldable = [idle_ns](const std::shared_ptr<ClientCursor>& cursor) {
    return cursor.use_count() == 1 &&
           cursor->last_seen_ns_.load(std::memory_order_relaxed) < idle_ns;
  };
  // Looked for without holding up new clients; most sweeps find nothing.
  std::vector<std::string> idle;
  bool forget = false;
  {
    absl::ReaderMutexLock lock(&clients_mu_);
    for (const auto& [id, cursor] : clients_) {
      if (foldable(cursor)) idle.push_back(id);
    }
    for (const auto& [id, tombstone] : tombstones_) {
      forget = forget || forgettable(tombstone);
    }
  }
  FoldResult result;
  if (forget) {
    absl::MutexLock lock(&clients_mu_);
    for (auto it = tombstones_.begin(); it != tombstones_.end();) {
      if (forgettable(it->second)) {
        tombstones_.erase(it++);
        ++forgotten_clients_;
        ++result.expired;
      } else {
        ++it;
      }
    }
  }
  // In batches: a stream adding a client to this job (and the registry's
  // exclusive lock it holds meanwhile) waits for one batch at most, not for
  // a whole restart's worth of clients going idle at once.
  for (size_t first = 0; first < idle.size(); first += kFoldBatch) {
    absl::MutexLock lock(&clients_mu_);
    const size_t last = std::min(idle.size(), first + kFoldBatch);
    for (size_t i = first; i < last; ++i) {
      auto it = clients_.find(idle[i]);
      if (it == clients_.end() || !foldable(it->second)) continue;
      FoldLocked(it, now, /*closed=*/false);
      ++result.folded;
    }
  }
  return result;
}

bool Job::Retire(absl::string_view client_id,
                 std::shared_ptr<ClientCursor> cursor, absl::Time now) {
  absl::MutexLock lock(&clients_mu_);
  auto it = clients_.find(client_id);
  // Ours and the job's: any more is another stream of the same client, a
  // reconnect overlapping this one, which may still apply.
  if (it == clients_.end() || it->second != cursor || cursor.use_count() > 2) {
    return false;
  }
  cursor.reset();
  FoldLocked(it, now, /*closed=*/true);
  return true;
}

bool Job::Unheld() const {
  absl::ReaderMutexLock lock(&clients_mu_);
  for (const auto& [id, cursor] : clients_) {
    if (cursor.use_count() > 1) return false;
  }
  return true;
}

}  // namespace progress
