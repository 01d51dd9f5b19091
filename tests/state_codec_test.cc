// The state file's format: what it writes comes back whole, and every way a
// file can be wrong is named rather than read as something else.
#include "state/state_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/base/internal/endian.h"

namespace progress {
namespace {

using ::testing::HasSubstr;

StateSnapshot Example() {
  StateSnapshot snapshot;
  snapshot.taken_time = absl::FromUnixMillis(1700000000123);
  JobRecord running;
  running.name = "nightly-etl";
  running.expected_total = 1000;
  running.created_time = absl::FromUnixSeconds(1700000000);
  running.first_update_time = absl::FromUnixNanos(1700000001000000001);
  running.last_update_time = absl::FromUnixSeconds(1700000005);
  running.clients = {{"worker-a", 300, 2}, {"worker-b", 184467440737095ull, 0}};
  JobRecord finished;
  finished.name = "done:job";
  finished.created_time = absl::FromUnixSeconds(1600000000);
  finished.finish_time = absl::FromUnixSeconds(1600000100);
  snapshot.jobs = {running, finished};
  return snapshot;
}

TEST(StateCodecTest, WhatIsWrittenComesBackWhole) {
  const StateSnapshot written = Example();
  absl::StatusOr<StateSnapshot> read =
      DecodeStateFile(EncodeStateFile(written));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->taken_time, written.taken_time);
  ASSERT_EQ(read->jobs.size(), 2u);
  const JobRecord& job = read->jobs[0];
  EXPECT_EQ(job.name, "nightly-etl");
  EXPECT_EQ(job.expected_total, 1000u);
  EXPECT_EQ(job.created_time, written.jobs[0].created_time);
  EXPECT_EQ(job.first_update_time, written.jobs[0].first_update_time);
  EXPECT_EQ(job.last_update_time, written.jobs[0].last_update_time);
  EXPECT_FALSE(job.finish_time.has_value());
  ASSERT_EQ(job.clients.size(), 2u);
  EXPECT_EQ(job.clients[1].client_id, "worker-b");
  EXPECT_EQ(job.clients[1].success, 184467440737095ull);
  EXPECT_EQ(job.clients[0].failure, 2u);
  EXPECT_EQ(read->jobs[1].finish_time, written.jobs[1].finish_time);
  EXPECT_FALSE(read->jobs[1].first_update_time.has_value());
}

TEST(StateCodecTest, AnEmptyRegistryIsAValidFile) {
  absl::StatusOr<StateSnapshot> read = DecodeStateFile(EncodeStateFile({}));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->jobs.empty());
}

TEST(StateCodecTest, SomethingElseIsNotAStateFile) {
  for (const std::string& bytes :
       {std::string(), std::string("PTSTA"), std::string("{\"jobs\": []}\n")}) {
    absl::Status status = DecodeStateFile(bytes).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bytes;
    EXPECT_THAT(status.message(), HasSubstr("not a progressd state file"));
  }
}

TEST(StateCodecTest, EveryTruncationIsDataLoss) {
  const std::string whole = EncodeStateFile(Example());
  for (size_t length = 8; length < whole.size(); ++length) {
    absl::Status status = DecodeStateFile(whole.substr(0, length)).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << length;
    EXPECT_THAT(status.message(), HasSubstr("truncated")) << length;
  }
}

TEST(StateCodecTest, AnyFlippedByteOfTheStateFailsTheChecksum) {
  const std::string whole = EncodeStateFile(Example());
  for (size_t at = 24; at < whole.size(); ++at) {
    std::string damaged = whole;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
    absl::Status status = DecodeStateFile(damaged).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << at;
    EXPECT_THAT(status.message(), HasSubstr("checksum")) << at;
  }
}

TEST(StateCodecTest, AnotherFormatVersionIsNamed) {
  std::string other = EncodeStateFile(Example());
  absl::little_endian::Store32(other.data() + 8, kStateFormatVersion + 1);
  absl::Status status = DecodeStateFile(other).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("format version 3"));
  EXPECT_THAT(status.message(), HasSubstr("reads versions 1 to 2"));
}

TEST(StateCodecTest, AVersionOneFileStillReads) {
  // Written before folded clients existed: the same fields, fewer of them.
  std::string old = EncodeStateFile(Example());
  absl::little_endian::Store32(old.data() + 8, 1);
  absl::StatusOr<StateSnapshot> read = DecodeStateFile(old);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->jobs.size(), Example().jobs.size());
}

TEST(StateCodecTest, BytesAfterTheStateAreDataLoss) {
  absl::Status status =
      DecodeStateFile(EncodeStateFile(Example()) + "x").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("1 unexpected bytes"));
}

TEST(StateCodecTest, AHeaderAnnouncingTooMuchIsTruncation) {
  std::string lying = EncodeStateFile(Example());
  absl::little_endian::Store64(lying.data() + 16, uint64_t{1} << 62);
  absl::Status status = DecodeStateFile(lying).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("truncated"));
}

TEST(StateCodecTest, ATimeNoTimestampCanHoldIsDataLoss) {
  StateSnapshot far = Example();
  far.taken_time = absl::FromUnixSeconds(int64_t{300000000000});
  absl::Status status = DecodeStateFile(EncodeStateFile(far)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("taken_time is not a valid time"));
}

}  // namespace
}  // namespace progress
