#include "read_serving.h"

#include <dirent.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace progress {
namespace {

// Linux keeps a nice value per thread; a thread starts with its creator's.
void LowerEveryThreadBut(int nice, pid_t spared) {
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) {
    spdlog::warn("--write_nice not applied: cannot list /proc/self/task");
    return;
  }
  while (const dirent* entry = readdir(tasks)) {
    const int tid = std::atoi(entry->d_name);
    if (tid <= 0 || tid == spared) continue;
    const int current = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
    if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid), current + nice) !=
        0) {
      spdlog::warn("--write_nice not applied to thread {}: {}", tid,
                   std::strerror(errno));
    }
  }
  closedir(tasks);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReadReplica>> StartReadServing(
    const ReadServingConfig& config, JobRegistry* registry,
    std::vector<std::string> daemon_args) {
  std::unique_ptr<ReadReplica> replica;
  if (!config.listen.empty()) {
    ReadReplicaOptions options;
    options.listen = config.listen;
    options.publish_interval = config.publish_interval;
    options.daemon_args = std::move(daemon_args);
    absl::StatusOr<std::unique_ptr<ReadReplica>> started =
        ReadReplica::Start(std::move(options), registry);
    if (!started.ok()) return started.status();
    replica = *std::move(started);
  }
  if (config.write_nice > 0) {
    LowerEveryThreadBut(config.write_nice,
                        replica != nullptr ? replica->publisher_tid() : 0);
  }
  return replica;
}

}  // namespace progress
