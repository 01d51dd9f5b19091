// The memory progressd shares with its read server: what a reader copies is
// always one whole snapshot, however the writer races it.
#include "replica/snapshot_region.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "absl/time/clock.h"

namespace progress {
namespace {

TEST(SnapshotRegionTest, AReaderSeesTheLatestSnapshotOnce) {
  absl::StatusOr<SnapshotRegion> region = SnapshotRegion::Create(64);
  ASSERT_TRUE(region.ok()) << region.status();
  std::string bytes = "untouched";
  EXPECT_EQ(region->ReadIfNewer(0, &bytes), 0u);
  EXPECT_EQ(bytes, "untouched");
  ASSERT_TRUE(region->Publish("first", absl::Now()).ok());
  ASSERT_TRUE(region->Publish("second", absl::Now()).ok());
  EXPECT_EQ(region->ReadIfNewer(0, &bytes), 2u);
  EXPECT_EQ(bytes, "second");
  bytes = "kept";
  EXPECT_EQ(region->ReadIfNewer(2, &bytes), 2u);
  EXPECT_EQ(bytes, "kept");
  EXPECT_EQ(region->daemon_pid(), getpid());
}

TEST(SnapshotRegionTest, ASnapshotLargerThanTheCapacityIsRefused) {
  absl::StatusOr<SnapshotRegion> region = SnapshotRegion::Create(4);
  ASSERT_TRUE(region.ok());
  ASSERT_TRUE(region->Publish("four", absl::Now()).ok());
  EXPECT_EQ(region->Publish("fives", absl::Now()).code(),
            absl::StatusCode::kResourceExhausted);
  std::string bytes;
  EXPECT_EQ(region->ReadIfNewer(0, &bytes), 1u);
  EXPECT_EQ(bytes, "four");
}

TEST(SnapshotRegionTest, AnAttachedRegionSharesSnapshotsAndThePort) {
  absl::StatusOr<SnapshotRegion> daemon = SnapshotRegion::Create(32);
  ASSERT_TRUE(daemon.ok());
  absl::StatusOr<SnapshotRegion> reads =
      SnapshotRegion::Attach(dup(daemon->fd()));
  ASSERT_TRUE(reads.ok()) << reads.status();
  EXPECT_EQ(reads->capacity(), 32u);
  ASSERT_TRUE(daemon->Publish("jobs", absl::Now()).ok());
  std::string bytes;
  EXPECT_EQ(reads->ReadIfNewer(0, &bytes), 1u);
  EXPECT_EQ(bytes, "jobs");
  EXPECT_EQ(daemon->port(), 0);
  reads->set_port(4242);
  EXPECT_EQ(daemon->port(), 4242);
}

TEST(SnapshotRegionTest, AnFdThatIsNoRegionIsRefused) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[1]);
  EXPECT_FALSE(SnapshotRegion::Attach(fds[0]).ok());
}

// Generation g is g % 251 + 1 bytes, each the byte g % 251: a torn copy
// mixes lengths or bytes.
std::string SnapshotOf(uint64_t generation) {
  return std::string(generation % 251 + 1, static_cast<char>(generation % 251));
}

TEST(SnapshotRegionTest, ACopyTheWriterOverwroteIsNeverReturned) {
  absl::StatusOr<SnapshotRegion> region = SnapshotRegion::Create(256);
  ASSERT_TRUE(region.ok());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (uint64_t g = 1; !stop.load(); ++g) {
      ASSERT_TRUE(region->Publish(SnapshotOf(g), absl::Now()).ok());
    }
  });
  uint64_t known = 0, reads = 0;
  std::string bytes;
  while (reads < 200000) {
    const uint64_t generation = region->ReadIfNewer(known, &bytes);
    if (generation == known) continue;
    ASSERT_EQ(bytes, SnapshotOf(generation)) << "generation " << generation;
    known = generation;
    ++reads;
  }
  stop = true;
  writer.join();
}

}  // namespace
}  // namespace progress
