#ifndef PROGRESS_SERVER_REPLICA_SNAPSHOT_REGION_H_
#define PROGRESS_SERVER_REPLICA_SNAPSHOT_REGION_H_

// The memory progressd shares with its read server process (--read_listen):
// the latest snapshot of every job, published by the daemon and read by the
// other process without either ever waiting for the other. A memfd mapped
// by both; two buffers, so the writer fills one while readers copy the
// other, and a generation count that tells a reader whether its copy was
// overwritten while it read (then it reads again).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace progress {

class SnapshotRegion {
 public:
  // A new region holding up to `capacity` bytes per snapshot.
  static absl::StatusOr<SnapshotRegion> Create(size_t capacity);
  // The region behind `fd` (inherited from the daemon); takes the fd.
  static absl::StatusOr<SnapshotRegion> Attach(int fd);

  SnapshotRegion(SnapshotRegion&& other) noexcept;
  SnapshotRegion& operator=(SnapshotRegion&& other) noexcept;
  ~SnapshotRegion();

  int fd() const { return fd_; }
  size_t capacity() const;

  // Writer (one thread): makes `bytes` the latest snapshot, taken at
  // `taken`. RESOURCE_EXHAUSTED if it is larger than the capacity.
  absl::Status Publish(absl::string_view bytes, absl::Time taken);

  // When the latest snapshot was taken (InfinitePast: none yet). The
  // daemon publishes at least every second, so an old one means it is
  // stopped or wedged.
  absl::Time published_time() const;

  // Reader: the latest generation published (0: none yet).
  uint64_t generation() const;
  // Copies the latest snapshot into `bytes` and returns its generation,
  // unless it is `known` (then leaves `bytes` alone). Retries a copy the
  // writer overwrote.
  uint64_t ReadIfNewer(uint64_t known, std::string* bytes) const;

  // The read server's bound port, which it reports here for the daemon
  // (0 until then).
  void set_port(int port);
  int port() const;

  // The daemon that created the region: the read server exits with it.
  int daemon_pid() const;

 private:
  struct Header;
  SnapshotRegion(int fd, void* base, size_t mapped);
  Header* header() const;
  char* buffer(uint64_t generation) const;

  int fd_ = -1;
  void* base_ = nullptr;
  size_t mapped_ = 0;
};

}  // namespace progress

#endif  // PROGRESS_SERVER_REPLICA_SNAPSHOT_REGION_H_
