// The per-job rate history behind the web page's chart.
#include "registry/rate_history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace progress {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::IsEmpty;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

TEST(RateHistoryTest, EmptyBeforeAStepHasPassed) {
  RateHistory history(absl::Seconds(2), 10);
  history.Reset(kStart, 0);
  history.RecordTotal(kStart + absl::Seconds(1), 100);
  const RateSeries series = history.Series();
  EXPECT_THAT(series.per_second, IsEmpty());
  EXPECT_EQ(series.end_time, absl::UnixEpoch());
  EXPECT_EQ(series.step, absl::Seconds(2));
}

TEST(RateHistoryTest, OnePointPerStepFromOneSecondTicks) {
  RateHistory history(absl::Seconds(2), 10);
  history.Reset(kStart, 0);
  // 100 records/s, then 300 records/s, sampled every second.
  uint64_t total = 0;
  for (int second = 1; second <= 4; ++second) {
    total += 100;
    history.RecordTotal(kStart + absl::Seconds(second), total);
  }
  for (int second = 5; second <= 6; ++second) {
    total += 300;
    history.RecordTotal(kStart + absl::Seconds(second), total);
  }
  const RateSeries series = history.Series();
  EXPECT_THAT(series.per_second,
              ElementsAre(FloatEq(100), FloatEq(100), FloatEq(300)));
  EXPECT_EQ(series.end_time, kStart + absl::Seconds(6));
}

TEST(RateHistoryTest, LateTicksDoNotSlipAStep) {
  RateHistory history(absl::Seconds(2), 10);
  history.Reset(kStart, 0);
  // Ticks a little late and a little early: still one point per 2 s.
  history.RecordTotal(kStart + absl::Milliseconds(2050), 205);
  history.RecordTotal(kStart + absl::Milliseconds(3000), 300);
  history.RecordTotal(kStart + absl::Milliseconds(3990), 399);
  EXPECT_EQ(history.Series().per_second.size(), 2u);
}

TEST(RateHistoryTest, KeepsOnlyTheNewestPoints) {
  RateHistory history(absl::Seconds(1), 3);
  history.Reset(kStart, 0);
  uint64_t total = 0;
  for (int second = 1; second <= 5; ++second) {
    total += 10 * second;
    history.RecordTotal(kStart + absl::Seconds(second), total);
  }
  EXPECT_THAT(history.Series().per_second,
              ElementsAre(FloatEq(30), FloatEq(40), FloatEq(50)));
}

TEST(RateHistoryTest, AStalledSamplerFillsTheGapWithItsAverage) {
  RateHistory history(absl::Seconds(2), 10);
  history.Reset(kStart, 0);
  history.RecordTotal(kStart + absl::Seconds(6), 600);
  EXPECT_THAT(history.Series().per_second,
              ElementsAre(FloatEq(100), FloatEq(100), FloatEq(100)));
  // A clock jump of an hour fills the history once, no more.
  history.RecordTotal(kStart + absl::Hours(1), 600);
  EXPECT_EQ(history.Series().per_second.size(), 10u);
}

TEST(RateHistoryTest, ATotalThatWentDownIsAFlatLine) {
  RateHistory history(absl::Seconds(1), 10);
  history.Reset(kStart, 500);
  history.RecordTotal(kStart + absl::Seconds(1), 100);
  EXPECT_THAT(history.Series().per_second, ElementsAre(FloatEq(0)));
}

TEST(RateHistoryTest, AClockThatSteppedBackMeasuresFromThere) {
  RateHistory history(absl::Seconds(1), 10);
  history.Reset(kStart, 0);
  history.RecordTotal(kStart - absl::Hours(1), 100);
  history.RecordTotal(kStart - absl::Hours(1) + absl::Seconds(1), 150);
  EXPECT_THAT(history.Series().per_second, ElementsAre(FloatEq(50)));
}

TEST(RateHistoryTest, ResetForgetsThePoints) {
  RateHistory history(absl::Seconds(1), 10);
  history.Reset(kStart, 0);
  history.RecordTotal(kStart + absl::Seconds(1), 100);
  history.Reset(kStart + absl::Seconds(2), 1000);
  EXPECT_THAT(history.Series().per_second, IsEmpty());
  history.RecordTotal(kStart + absl::Seconds(3), 1050);
  EXPECT_THAT(history.Series().per_second, ElementsAre(FloatEq(50)));
}

}  // namespace
}  // namespace progress
