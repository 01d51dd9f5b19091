#include "progress_format.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace progress::reporter {
namespace {

// The seed's example line, rebuilt from its own figures: 49,800 records at
// 3,658 records/s.
ProgressView SeedMidway() {
  ProgressView view;
  view.job = "seed";
  view.success = 49800;
  view.failure = 0;
  view.total = 100000;
  view.elapsed = absl::Seconds(49800.0 / 3658.0);
  return view;
}

TEST(ProgressFormatTest, LineMatchesTheSeedCharacterForCharacter) {
  EXPECT_EQ(FormatProgressLine(SeedMidway()),
            "Progress: 49,800/100,000 (49.8%) | success: 49,800 | failure: 0 "
            "| 3,658 rec/s | 13.6s elapsed, ETA 13.7s");
}

TEST(ProgressFormatTest, LineWithoutTotalHasNoPercentOrEta) {
  ProgressView view = SeedMidway();
  view.total = 0;
  EXPECT_EQ(FormatProgressLine(view),
            "Progress: 49,800 | success: 49,800 | failure: 0 | 3,658 rec/s | "
            "13.6s elapsed");
}

TEST(ProgressFormatTest, CompleteLineHasNoEta) {
  ProgressView view;
  view.success = 100000;
  view.total = 100000;
  view.elapsed = absl::Seconds(100000.0 / 7148.0);
  EXPECT_EQ(FormatProgressLine(view),
            "Progress: 100,000/100,000 (100.0%) | success: 100,000 | failure: "
            "0 | 7,148 rec/s | 14.0s elapsed");
}

TEST(ProgressFormatTest, StartLineBeforeAnyTimeHasPassed) {
  ProgressView view;
  view.total = 100000;
  EXPECT_EQ(FormatProgressLine(view),
            "Progress: 0/100,000 (0.0%) | success: 0 | failure: 0 | 0 rec/s | "
            "0.0s elapsed");
}

TEST(ProgressFormatTest, SummaryMatchesTheSeedCharacterForCharacter) {
  ProgressView view;
  view.success = 100000;
  view.total = 100000;
  view.elapsed = absl::Seconds(100000.0 / 7148.0);
  EXPECT_EQ(FormatSummary(view),
            "--------------------------------------------------\n"
            "Final: 100,000 total | 100,000 success | 0 failure\n"
            "Time: 14.0s | Rate: 7,148 rec/s\n"
            "--------------------------------------------------");
}

TEST(ProgressFormatTest, ThousandsSeparators) {
  EXPECT_EQ(WithThousands(0), "0");
  EXPECT_EQ(WithThousands(999), "999");
  EXPECT_EQ(WithThousands(1000), "1,000");
  EXPECT_EQ(WithThousands(123456789), "123,456,789");
  EXPECT_EQ(WithThousands(18446744073709551615ull),
            "18,446,744,073,709,551,615");
}

TEST(ProgressFormatTest, CompleteWhenDoneOrTotalReached) {
  ProgressView view = SeedMidway();
  EXPECT_FALSE(view.complete());
  view.success = 100000;
  EXPECT_TRUE(view.complete());
  view.total = 0;
  view.success = 1;
  EXPECT_FALSE(view.complete());
  view.done = true;
  EXPECT_TRUE(view.complete());
}

TEST(ProgressFormatTest, ViewOfAJobUsesItsTimesAndTheOverride) {
  v1::Job job;
  job.set_name("etl");
  job.set_success(900);
  job.set_failure(100);
  job.set_expected_total(5000);
  const absl::Time created = absl::FromUnixSeconds(1'700'000'000);
  job.mutable_created_time()->set_seconds(absl::ToUnixSeconds(created));
  const ProgressView running = ViewOf(job, 0, created + absl::Seconds(4));
  EXPECT_EQ(running.total, 5000u);
  EXPECT_EQ(running.elapsed, absl::Seconds(4));
  EXPECT_DOUBLE_EQ(running.rate(), 250.0);
  EXPECT_EQ(ViewOf(job, 1000, created).total, 1000u);

  // A finished job's clock stops at its finish.
  job.mutable_finish_time()->set_seconds(absl::ToUnixSeconds(created) + 2);
  job.set_done(true);
  EXPECT_EQ(ViewOf(job, 0, created + absl::Hours(1)).elapsed, absl::Seconds(2));
}

TEST(ProgressFormatTest, JsonCarriesTheFigures) {
  const std::string json =
      FormatJson(SeedMidway(), absl::FromUnixSeconds(1'700'000'000));
  EXPECT_TRUE(std::regex_search(json, std::regex("\"success\":49800")));
  EXPECT_TRUE(std::regex_search(json, std::regex("\"total\":100000")));
  EXPECT_TRUE(std::regex_search(json, std::regex("\"percent\":49\\.800")));
  EXPECT_TRUE(std::regex_search(json, std::regex("\"done\":false")));
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
}

}  // namespace
}  // namespace progress::reporter
