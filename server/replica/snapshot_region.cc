#include "replica/snapshot_region.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace progress {

// Both processes are built from the same source, so one layout serves.
struct SnapshotRegion::Header {
  uint64_t magic;
  uint64_t capacity;
  // The generation being written; it is the published one when equal.
  std::atomic<uint64_t> started;
  std::atomic<uint64_t> published;
  // Bytes of each buffer's snapshot; buffer g % 2 holds generation g.
  std::atomic<uint64_t> sizes[2];
  std::atomic<int32_t> port;
  int32_t daemon_pid;
  std::atomic<int64_t> published_unix_nanos;
};

namespace {

constexpr uint64_t kMagic = 0x70726f6772657373;  // "progress"
constexpr size_t kHeaderBytes = 4096;            // Buffers start page-aligned.

absl::Status Errno(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<SnapshotRegion> SnapshotRegion::Create(size_t capacity) {
  static_assert(sizeof(Header) <= kHeaderBytes);
  const int fd = memfd_create("progressd-reads", MFD_CLOEXEC);
  if (fd < 0) return Errno("memfd_create");
  const size_t mapped = kHeaderBytes + 2 * capacity;
  // Pages are only backed once written: the capacity costs nothing unused.
  if (ftruncate(fd, static_cast<off_t>(mapped)) != 0) {
    const absl::Status error = Errno("ftruncate");
    close(fd);
    return error;
  }
  void* base = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    const absl::Status error = Errno("mmap");
    close(fd);
    return error;
  }
  Header* header = new (base) Header{};
  header->magic = kMagic;
  header->capacity = capacity;
  header->daemon_pid = getpid();
  return SnapshotRegion(fd, base, mapped);
}

absl::StatusOr<SnapshotRegion> SnapshotRegion::Attach(int fd) {
  struct stat info {};
  if (fstat(fd, &info) != 0) {
    const absl::Status error = Errno("fstat of the snapshot region");
    close(fd);
    return error;
  }
  const size_t mapped = static_cast<size_t>(info.st_size);
  if (mapped < kHeaderBytes) {
    close(fd);
    return absl::InvalidArgumentError("the snapshot region is too small");
  }
  // Writable only for the port slot; snapshots are only read here.
  void* base = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    const absl::Status error = Errno("mmap of the snapshot region");
    close(fd);
    return error;
  }
  SnapshotRegion region(fd, base, mapped);
  const Header* header = region.header();
  if (header->magic != kMagic ||
      kHeaderBytes + 2 * header->capacity != mapped) {
    return absl::InvalidArgumentError("fd is not a progressd snapshot region");
  }
  return region;
}

SnapshotRegion::SnapshotRegion(int fd, void* base, size_t mapped)
    : fd_(fd), base_(base), mapped_(mapped) {}

SnapshotRegion::SnapshotRegion(SnapshotRegion&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      base_(std::exchange(other.base_, nullptr)),
      mapped_(std::exchange(other.mapped_, 0)) {}

SnapshotRegion& SnapshotRegion::operator=(SnapshotRegion&& other) noexcept {
  std::swap(fd_, other.fd_);
  std::swap(base_, other.base_);
  std::swap(mapped_, other.mapped_);
  return *this;
}

SnapshotRegion::~SnapshotRegion() {
  if (base_ != nullptr) munmap(base_, mapped_);
  if (fd_ >= 0) close(fd_);
}

SnapshotRegion::Header* SnapshotRegion::header() const {
  return static_cast<Header*>(base_);
}

char* SnapshotRegion::buffer(uint64_t generation) const {
  return static_cast<char*>(base_) + kHeaderBytes +
         (generation % 2) * header()->capacity;
}

size_t SnapshotRegion::capacity() const { return header()->capacity; }

absl::Status SnapshotRegion::Publish(absl::string_view bytes,
                                     absl::Time taken) {
  Header* h = header();
  if (bytes.size() > h->capacity) {
    return absl::ResourceExhaustedError(
        absl::StrCat("a snapshot of ", bytes.size(),
                     " bytes does not fit the read server's ", h->capacity));
  }
  const uint64_t next = h->published.load(std::memory_order_relaxed) + 1;
  // Announce the overwrite of buffer next % 2 before touching it: a reader
  // still copying generation next - 2 from it sees this and retries.
  h->started.store(next, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  std::memcpy(buffer(next), bytes.data(), bytes.size());
  h->sizes[next % 2].store(bytes.size(), std::memory_order_relaxed);
  h->published.store(next, std::memory_order_release);
  h->published_unix_nanos.store(absl::ToUnixNanos(taken),
                                std::memory_order_release);
  return absl::OkStatus();
}

uint64_t SnapshotRegion::generation() const {
  return header()->published.load(std::memory_order_acquire);
}

uint64_t SnapshotRegion::ReadIfNewer(uint64_t known, std::string* bytes) const {
  const Header* h = header();
  while (true) {
    const uint64_t generation = h->published.load(std::memory_order_acquire);
    if (generation == known || generation == 0) return generation;
    const uint64_t size =
        h->sizes[generation % 2].load(std::memory_order_relaxed);
    bytes->assign(buffer(generation), std::min<uint64_t>(size, h->capacity));
    std::atomic_thread_fence(std::memory_order_acquire);
    // Intact unless the writer began generation + 2, in the same buffer.
    if (h->started.load(std::memory_order_relaxed) <= generation + 1) {
      return generation;
    }
  }
}

void SnapshotRegion::set_port(int port) {
  header()->port.store(port, std::memory_order_release);
}

int SnapshotRegion::port() const {
  return header()->port.load(std::memory_order_acquire);
}

int SnapshotRegion::daemon_pid() const { return header()->daemon_pid; }

absl::Time SnapshotRegion::published_time() const {
  if (generation() == 0) return absl::InfinitePast();
  return absl::FromUnixNanos(
      header()->published_unix_nanos.load(std::memory_order_acquire));
}

}  // namespace progress
