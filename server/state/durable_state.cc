#include "state/durable_state.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "state/state_codec.h"

namespace progress {
namespace {

absl::Status Explain(const absl::Status& status, const std::string& path) {
  return absl::Status(
      status.code(), absl::StrCat("state file ", path, ": ", status.message()));
}

// Loads `path` into `registry`; false when there is no file yet.
absl::StatusOr<bool> Load(const std::string& path, JobRegistry* registry) {
  absl::StatusOr<std::string> bytes = ReadWholeFile(path);
  if (absl::IsNotFound(bytes.status())) {
    // A link to a volume not mounted (yet) must not pass for a first start,
    // which would then write an empty state over the real one later.
    struct stat link;
    if (::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
      return absl::NotFoundError(
          "is a symbolic link to a file which does not exist (a volume not "
          "mounted?)");
    }
    return false;
  }
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<StateSnapshot> snapshot = DecodeStateFile(*bytes);
  if (!snapshot.ok()) return snapshot.status();
  if (absl::Status restored = registry->Restore(snapshot->jobs);
      !restored.ok()) {
    return absl::DataLossError(absl::StrCat(
        "holds state this progressd cannot take: ", restored.message()));
  }
  uint64_t clients = 0;
  uint64_t tombstones = 0;
  uint64_t records = 0;
  for (const JobRecord& job : snapshot->jobs) {
    clients += job.clients.size();
    tombstones += job.tombstones.size();
    records += job.retired_success + job.retired_failure;
    for (const ClientRecord& client : job.clients) {
      records += client.success + client.failure;
    }
  }
  spdlog::info(
      "restored {} jobs, {} client entries, {} tombstones and {} records "
      "from state file {} (snapshot of {})",
      snapshot->jobs.size(), clients, tombstones, records, path,
      absl::FormatTime(snapshot->taken_time));
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DurableState>> DurableState::Open(
    const std::string& path, absl::Duration interval, JobRegistry* registry) {
  absl::StatusOr<StateFileLock> lock = StateFileLock::Acquire(path);
  if (!lock.ok()) return Explain(lock.status(), path);
  absl::StatusOr<bool> loaded = Load(path, registry);
  if (!loaded.ok()) return Explain(loaded.status(), path);
  if (!*loaded) {
    spdlog::info("no state file at {} yet: starting empty, and writing it",
                 path);
  }
  SnapshotterOptions options;
  // Written where a symbolic link points: a rename over the link itself
  // would leave the file it names behind, never updated again.
  options.path = path;
  if (char* target = ::realpath(path.c_str(), nullptr)) {
    options.path = target;
    std::free(target);
    if (options.path != path) {
      spdlog::info("state file {} is a link to {}: writing there", path,
                   options.path);
    }
  }
  options.interval = interval;
  auto state = std::unique_ptr<DurableState>(
      new DurableState(*std::move(lock), std::move(options), registry));
  if (absl::Status written = state->snapshotter_.SnapshotNow(); !written.ok()) {
    return Explain(written, path);
  }
  return state;
}

}  // namespace progress
