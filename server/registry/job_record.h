#ifndef PROGRESS_SERVER_REGISTRY_JOB_RECORD_H_
#define PROGRESS_SERVER_REGISTRY_JOB_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace progress {

// What one client has had applied to one job.
struct ClientRecord {
  std::string client_id;
  uint64_t success = 0;
  uint64_t failure = 0;
};

// A folded client's tombstone: its values, and when it was folded.
struct TombstoneRecord {
  std::string client_id;
  uint64_t success = 0;
  uint64_t failure = 0;
  absl::Time folded_time;
  // Folded because the client closed (see Job's tombstones).
  bool closed = false;
};

// Everything the registry must keep of one job across a restart. A job's
// counters are not stored: they are the sum of its clients' applied values
// and its retired sum,
// which is what makes a record taken while streams apply consistent (each
// client's values are read under that client's own lock).
struct JobRecord {
  std::string name;
  uint64_t expected_total = 0;
  absl::Time created_time;
  std::optional<absl::Time> first_update_time;
  std::optional<absl::Time> last_update_time;
  std::optional<absl::Time> finish_time;
  std::vector<ClientRecord> clients;
  // Folded clients: the sum of what they had applied (tombstones' values
  // included), their tombstones, and how many left no tombstone.
  uint64_t retired_success = 0;
  uint64_t retired_failure = 0;
  std::vector<TombstoneRecord> tombstones;
  uint64_t forgotten_clients = 0;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_REGISTRY_JOB_RECORD_H_
