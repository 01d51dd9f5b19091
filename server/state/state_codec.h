#ifndef PROGRESS_SERVER_STATE_STATE_CODEC_H_
#define PROGRESS_SERVER_STATE_STATE_CODEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "registry/job_record.h"

namespace progress {

// The state file's format version this progressd writes. Raise it for a
// change an older progressd would misread, so that it refuses the file
// instead: 2 added folded clients (retired sums and tombstones), which a
// version-1 progressd would drop, losing their counts.
inline constexpr uint32_t kStateFormatVersion = 2;
// The oldest version this progressd still reads.
inline constexpr uint32_t kOldestStateFormatVersion = 1;

// One snapshot of the registry, as the state file holds it.
struct StateSnapshot {
  absl::Time taken_time;
  std::vector<JobRecord> jobs;
};

// The file's bytes: the 8-byte magic "PTSTATE\n", the format version
// (uint32), a CRC-32 of the payload (uint32) and the payload's length
// (uint64), all little-endian, then the payload: a progress.state.DaemonState
// message. The checksum and the length are what tell a torn or damaged
// file from a good one; protobuf alone would parse a truncated file.
std::string EncodeStateFile(const StateSnapshot& snapshot);

// Reads what EncodeStateFile wrote. The message says what is wrong:
// INVALID_ARGUMENT for bytes that are not a state file at all,
// FAILED_PRECONDITION for another format version, DATA_LOSS for a file that
// is truncated, fails its checksum or does not parse.
absl::StatusOr<StateSnapshot> DecodeStateFile(absl::string_view bytes);

}  // namespace progress

#endif  // PROGRESS_SERVER_STATE_STATE_CODEC_H_
