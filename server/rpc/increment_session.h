#ifndef PROGRESS_SERVER_RPC_INCREMENT_SESSION_H_
#define PROGRESS_SERVER_RPC_INCREMENT_SESSION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "progress/v1/progress.pb.h"
#include "registry/job_registry.h"

namespace progress {

// What one Increment stream has done, apart from gRPC: the client id it
// adopted, the (job, client) cursors it resolved, and the exactly-once
// application of each message to the registry. Free of gRPC so that tests
// and fuzzers drive the very code the stream runs.
//
// It resolves each job once, keeping the cursor, so the per-message path is
// a hash lookup local to the stream plus the cursor's atomic adds. A message
// is checked whole before any of it is created or applied: it lands
// entirely or not at all.
//
// Not thread-safe: one stream's messages come one at a time.
class IncrementSession {
 public:
  explicit IncrementSession(JobRegistry* registry) : registry_(registry) {}
  // Folds the entries it held whose client has closed (see
  // RetireIfClosing).
  ~IncrementSession();

  IncrementSession(const IncrementSession&) = delete;
  IncrementSession& operator=(const IncrementSession&) = delete;

  // Applies one message whole, or nothing of it; an error ends the stream
  // (see the Increment rpc in progress.proto for the codes).
  absl::Status Apply(const v1::IncrementRequest& request);

  // What the registry holds for this client, for every job the stream named.
  v1::IncrementResponse Recorded() const;

  // When a message set `closing` (the client's last stream): folds this
  // client's entries on the jobs the stream named and lets go of them. The
  // session applies nothing afterwards.
  void RetireIfClosing();

  // Gives the scratch space's capacity back, after an unusually large
  // message; the next message allocates what it needs.
  void ReleaseScratch();

  // Empty until the first message is applied.
  const std::string& client_id() const { return client_id_; }
  // Values lower than ones already applied, ignored so far.
  uint64_t regressions() const { return regressions_; }
  bool closing() const { return closing_; }

 private:
  absl::Status AdoptClientId(const v1::IncrementRequest& request);
  // Checks every entry of `request` and fills entries_, with a null cursor
  // for jobs this stream has not resolved yet (their names go to new_jobs_).
  absl::Status ValidateEntries(const v1::IncrementRequest& request);
  // Resolves new_jobs_ in one registry call and completes entries_.
  absl::Status ResolveNewJobs();

  JobRegistry* const registry_;
  std::string client_id_;
  absl::flat_hash_map<std::string, std::shared_ptr<ClientCursor>> cursors_;
  // Scratch space reused by every message, so steady-state messages allocate
  // nothing here. The views point into the request being applied and are
  // read only during Apply().
  std::vector<std::pair<ClientCursor*, const v1::JobCounts*>> entries_;
  std::vector<absl::string_view> new_jobs_;
  absl::flat_hash_set<absl::string_view> seen_;
  uint64_t regressions_ = 0;
  bool closing_ = false;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_INCREMENT_SESSION_H_
