// What ten streams that each send one maximal message and stay open cost the
// daemon in resident memory. Before the per-stream bounds, ten streams each
// holding a 4 MB message of 800,000 one-byte entries took progressd from
// 17 MB to 1.07 GB; now such a message is refused before it is parsed, and
// the largest message accepted costs the stream what its jobs need.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "gauntlet_helpers.h"
#include "test_server.h"

namespace progress {
namespace {

using ::progress::testing::Daemon;
using ::progress::testing::GetCounts;
using ::progress::testing::Metric;
using ::progress::testing::OpenStream;
using ::progress::testing::ResidentKiB;
using ::progress::testing::StubOn;
using ::progress::testing::WaitForActiveStreams;

constexpr int kStreams = 10;
constexpr int kNameBytes = 48;
// Far below the 1.07 GB of before, with room for allocator and gRPC slack.
constexpr int64_t kBoundKiB = 150 << 10;

// The largest message the daemon accepts by default: 1,000 jobs (the
// --max_jobs_per_message default), with names long enough to bring it to
// just under the 64 KiB --max_message_bytes default.
v1::IncrementRequest LargestAccepted(const std::string& client) {
  v1::IncrementRequest request;
  request.set_client_id(client);
  for (int i = 0; i < 1000; ++i) {
    v1::JobCounts* counts = request.add_jobs();
    counts->set_job(absl::StrCat(std::string(kNameBytes, 'm'), "-", 1000 + i));
    counts->set_success(1000000 + i);
    counts->set_failure(1000 + i);
  }
  return request;
}

// What did it before: 4 MB of entries with one-byte names.
v1::IncrementRequest OneByteEntries(const std::string& client) {
  v1::IncrementRequest request;
  request.set_client_id(client);
  for (int i = 0; i < 800000; ++i) request.add_jobs()->set_job("a");
  return request;
}

// Sends `message` on each of kStreams new streams and keeps them open.
std::vector<std::unique_ptr<OpenStream>> Hold(
    std::vector<std::unique_ptr<v1::ProgressTracker::Stub>>& stubs,
    v1::IncrementRequest (*message)(const std::string&),
    const std::string& prefix) {
  std::vector<std::unique_ptr<OpenStream>> held;
  for (int i = 0; i < kStreams; ++i) {
    held.push_back(std::make_unique<OpenStream>(*stubs[i]));
    held.back()->writer->Write(message(absl::StrCat(prefix, i)));
  }
  return held;
}

TEST(ProgressdMemoryTest, TenStreamsOfMaximalMessagesStayBounded) {
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer's shadow memory and quarantine are part of the
  // daemon's resident size there, so the bound measures nothing.
  GTEST_SKIP() << "resident memory is not measured under AddressSanitizer";
#endif
  // PROGRESSD_UNDER_TEST=path measures another build, e.g. an older one.
  Daemon daemon({"--log_level=warn"}, 0,
                std::getenv("PROGRESSD_UNDER_TEST") != nullptr
                    ? std::getenv("PROGRESSD_UNDER_TEST")
                    : PROGRESSD_PATH);
  ASSERT_GT(daemon.port(), 0);
  const int pid = daemon.process().pid();
  std::vector<std::unique_ptr<v1::ProgressTracker::Stub>> stubs;
  for (int i = 0; i < kStreams; ++i) {
    stubs.push_back(StubOn(daemon.address(), i));
  }
  auto probe = StubOn(daemon.address(), kStreams);
  ASSERT_TRUE(GetCounts(*probe, "none").status().code() ==
              absl::StatusCode::kNotFound);
  const int64_t idle_kib = ResidentKiB(pid);
  const size_t largest = LargestAccepted("largest-0").ByteSizeLong();
  ASSERT_LE(largest, 64u << 10);
  ASSERT_GT(largest, 60u << 10);

  const auto accepted = Hold(stubs, &LargestAccepted, "largest-");
  const std::string last =
      absl::StrCat(std::string(kNameBytes, 'm'), "-", 1999);
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    auto job = GetCounts(*probe, last);
    if (job.ok() && job->clients() == kStreams) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(GetCounts(*probe, last)->clients(),
            static_cast<uint32_t>(kStreams));
  ASSERT_TRUE(WaitForActiveStreams(daemon.metrics_port(),
                                   [](int64_t n) { return n == kStreams; }));
  const int64_t accepted_kib = ResidentKiB(pid);

  const auto refused = Hold(stubs, &OneByteEntries, "one-byte-");
  ASSERT_TRUE(WaitForActiveStreams(daemon.metrics_port(), [&](int64_t n) {
    // RESOURCE_EXHAUSTED now; an older build parsed the message whole and
    // refused its repeated job as INVALID_ARGUMENT.
    double rejected = 0;
    for (const char* code : {"RESOURCE_EXHAUSTED", "INVALID_ARGUMENT"}) {
      rejected +=
          Metric(daemon.metrics_port(), "progress_tracker_rejected_total",
                 {"rpc=\"Increment\"", absl::StrCat("code=\"", code, "\"")})
              .value_or(0);
    }
    return n == kStreams && rejected == kStreams;
  }));
  const int64_t after_kib = ResidentKiB(pid);

  std::printf(
      "progressd VmRSS: %lld KiB idle; %lld KiB with %d streams open, each "
      "having sent a 1,000-job ~64 KiB message; %lld KiB after %d more sent "
      "4 MB messages of 800,000 one-byte entries (bound %lld KiB)\n",
      static_cast<long long>(idle_kib), static_cast<long long>(accepted_kib),
      kStreams, static_cast<long long>(after_kib), kStreams,
      static_cast<long long>(kBoundKiB));
  EXPECT_LT(accepted_kib, kBoundKiB);
  EXPECT_LT(after_kib, kBoundKiB);
}

}  // namespace
}  // namespace progress
