#ifndef PROGRESS_SERVER_READ_SERVING_H_
#define PROGRESS_SERVER_READ_SERVING_H_

// progressd's side of --read_listen and --write_nice.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "read_flags.h"
#include "registry/job_registry.h"
#include "replica/read_replica.h"

namespace progress {

// Starts the read server process when config.listen is set (null when not),
// then lowers every thread of this process by config.write_nice: the read
// server, started before, keeps normal priority.
absl::StatusOr<std::unique_ptr<ReadReplica>> StartReadServing(
    const ReadServingConfig& config, JobRegistry* registry,
    std::vector<std::string> daemon_args);

}  // namespace progress

#endif  // PROGRESS_SERVER_READ_SERVING_H_
