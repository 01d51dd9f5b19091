#include "registry/rate_window.h"

#include <gtest/gtest.h>

namespace progress {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

TEST(RateWindowTest, ZeroWithoutSamples) {
  RateWindow window(absl::Seconds(10));
  EXPECT_EQ(window.RateAt(kStart, 100), 0.0);
}

TEST(RateWindowTest, RateSinceTheOnlySample) {
  RateWindow window(absl::Seconds(10));
  window.Record(kStart, 0);
  EXPECT_DOUBLE_EQ(window.RateAt(kStart + absl::Seconds(2), 500), 250.0);
}

TEST(RateWindowTest, ForgetsSamplesOlderThanTheWindow) {
  RateWindow window(absl::Seconds(10));
  // 1000 records/s for 20 s, then 100 records/s for 10 s.
  uint64_t total = 0;
  for (int second = 0; second <= 20; ++second) {
    window.Record(kStart + absl::Seconds(second), total);
    total += 1000;
  }
  total -= 1000;
  for (int second = 21; second <= 30; ++second) {
    total += 100;
    window.Record(kStart + absl::Seconds(second), total);
  }
  EXPECT_DOUBLE_EQ(window.RateAt(kStart + absl::Seconds(30), total), 100.0);
}

TEST(RateWindowTest, NoRateAtTheSampleInstant) {
  RateWindow window(absl::Seconds(10));
  window.Record(kStart, 10);
  EXPECT_EQ(window.RateAt(kStart, 10), 0.0);
}

}  // namespace
}  // namespace progress
