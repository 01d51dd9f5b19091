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

void SetTime(absl::Time time, google::protobuf::Timestamp* field) {
  field->set_seconds(absl::ToUnixSeconds(time));
}

// A job a driver started at `created` that its workers first updated a
// minute later.
v1::Job StartedEarly(absl::Time created) {
  v1::Job job;
  job.set_name("etl");
  job.set_success(900);
  job.set_failure(100);
  job.set_expected_total(5000);
  SetTime(created, job.mutable_created_time());
  SetTime(created + absl::Minutes(1), job.mutable_first_update_time());
  SetTime(created + absl::Minutes(1) + absl::Seconds(3),
          job.mutable_last_update_time());
  return job;
}

TEST(ProgressFormatTest, ViewOfAJobUsesItsTimesAndTheOverride) {
  const absl::Time created = absl::FromUnixSeconds(1'700'000'000);
  v1::Job job = StartedEarly(created);
  const ProgressView running =
      ViewOf(job, 0, created + absl::Minutes(1) + absl::Seconds(4));
  EXPECT_EQ(running.total, 5000u);
  EXPECT_EQ(ViewOf(job, 1000, created).total, 1000u);

  // A finished job's clock stops at its finish.
  SetTime(created + absl::Minutes(1) + absl::Seconds(2),
          job.mutable_finish_time());
  job.set_done(true);
  EXPECT_EQ(ViewOf(job, 0, created + absl::Hours(1)).elapsed, absl::Seconds(2));
}

TEST(ProgressFormatTest, ElapsedAndRateStartAtTheFirstUpdate) {
  const absl::Time created = absl::FromUnixSeconds(1'700'000'000);
  const ProgressView view = ViewOf(
      StartedEarly(created), 0, created + absl::Minutes(1) + absl::Seconds(4));
  EXPECT_EQ(view.elapsed, absl::Seconds(4));
  EXPECT_DOUBLE_EQ(view.rate(), 250.0);
  EXPECT_EQ(FormatProgressLine(view),
            "Progress: 1,000/5,000 (20.0%) | success: 900 | failure: 100 | "
            "250 rec/s | 4.0s elapsed, ETA 16.0s");
}

TEST(ProgressFormatTest, NothingElapsesBeforeTheFirstUpdate) {
  const absl::Time created = absl::FromUnixSeconds(1'700'000'000);
  v1::Job job;
  job.set_name("waiting");
  job.set_expected_total(5000);
  SetTime(created, job.mutable_created_time());
  const ProgressView view = ViewOf(job, 0, created + absl::Hours(2));
  EXPECT_EQ(view.elapsed, absl::ZeroDuration());
  EXPECT_EQ(view.rate(), 0.0);
  EXPECT_FALSE(view.eta().has_value());
}

TEST(ProgressFormatTest, ClockStopsAtTheLastUpdateOnceTheTotalIsReached) {
  const absl::Time created = absl::FromUnixSeconds(1'700'000'000);
  v1::Job job = StartedEarly(created);
  job.set_success(4900);  // 5,000 with the failures.
  const ProgressView view = ViewOf(job, 0, created + absl::Hours(1));
  EXPECT_EQ(view.elapsed, absl::Seconds(3));
  EXPECT_FALSE(view.eta().has_value());
}

TEST(ProgressFormatTest, EtaFollowsTheRecentRate) {
  const absl::Time created = absl::FromUnixSeconds(1'700'000'000);
  v1::Job job = StartedEarly(created);
  // 250 rec/s on average, but 1,000 rec/s lately: 4,000 left take 4 s.
  job.set_recent_rate(1000.0);
  const ProgressView view =
      ViewOf(job, 0, created + absl::Minutes(1) + absl::Seconds(4));
  EXPECT_EQ(view.eta(), absl::Seconds(4));
  EXPECT_EQ(FormatProgressLine(view),
            "Progress: 1,000/5,000 (20.0%) | success: 900 | failure: 100 | "
            "250 rec/s | 4.0s elapsed, ETA 4.0s");
}

TEST(ProgressFormatTest, EtaFallsBackToTheAverageWithoutARecentRate) {
  ProgressView view = SeedMidway();
  view.recent_rate = 0.0;
  EXPECT_EQ(view.eta(), absl::Seconds(50200.0 / view.rate()));
}

TEST(ProgressFormatTest, NoEtaWithoutATotalOrForAFinishedJob) {
  ProgressView view = SeedMidway();
  view.recent_rate = 5000.0;
  view.total = 0;
  EXPECT_FALSE(view.eta().has_value());
  view = SeedMidway();
  view.recent_rate = 5000.0;
  view.done = true;
  EXPECT_FALSE(view.eta().has_value());
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
