// The C library's progress_format_* functions: the reporter's text over a
// progress_job_info, with snprintf's buffer contract. (The shared table of
// cases runs through them from Python, tests/python.)
#include <gtest/gtest.h>

#include <string>

#include "progress/client.h"

namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kStart = 1'764'324'000 * kSecond;

// 1,000 records over the 4 s since the first update, 1,000 rec/s lately.
progress_job_info Running() {
  progress_job_info info{};
  info.success = 900;
  info.failure = 100;
  info.expected_total = 5000;
  info.created_time_ns = kStart - 60 * kSecond;
  info.first_update_time_ns = kStart;
  info.last_update_time_ns = kStart + 3 * kSecond;
  info.recent_rate = 1000.0;
  return info;
}

std::string Line(const progress_job_info& info, uint64_t total, int64_t now) {
  char buffer[512];
  const int length =
      progress_format_progress_line(&info, total, now, buffer, sizeof buffer);
  EXPECT_EQ(length, static_cast<int>(std::string(buffer).size()));
  return buffer;
}

TEST(FormatApiTest, ProgressLineIsTheReporters) {
  EXPECT_EQ(Line(Running(), 0, kStart + 4 * kSecond),
            "Progress: 1,000/5,000 (20.0%) | success: 900 | failure: 100 | "
            "250 rec/s | 4.0s elapsed, ETA 4.0s");
}

TEST(FormatApiTest, AnExpectedTotalReplacesTheJobs) {
  EXPECT_EQ(Line(Running(), 2000, kStart + 4 * kSecond),
            "Progress: 1,000/2,000 (50.0%) | success: 900 | failure: 100 | "
            "250 rec/s | 4.0s elapsed, ETA 1.0s");
}

TEST(FormatApiTest, SummaryIsTheFinalBlock) {
  progress_job_info info = Running();
  info.done = 1;
  info.finish_time_ns = kStart + 2 * kSecond;
  char buffer[512];
  ASSERT_GT(progress_format_summary(&info, 0, kStart + 9 * kSecond, buffer,
                                    sizeof buffer),
            0);
  EXPECT_STREQ(buffer,
               "--------------------------------------------------\n"
               "Final: 1,000 total | 900 success | 100 failure\n"
               "Time: 2.0s | Rate: 500 rec/s\n"
               "--------------------------------------------------");
}

TEST(FormatApiTest, MeasuresWithoutABufferAndCutsShortAsSnprintfDoes) {
  const progress_job_info info = Running();
  const std::string whole = Line(info, 0, kStart + 4 * kSecond);
  EXPECT_EQ(
      progress_format_progress_line(&info, 0, kStart + 4 * kSecond, nullptr, 0),
      static_cast<int>(whole.size()));
  char small[11];
  EXPECT_EQ(progress_format_progress_line(&info, 0, kStart + 4 * kSecond, small,
                                          sizeof small),
            static_cast<int>(whole.size()));
  EXPECT_EQ(std::string(small), whole.substr(0, 10));
}

TEST(FormatApiTest, NullArgumentsAreRefused) {
  char buffer[16];
  EXPECT_EQ(progress_format_progress_line(nullptr, 0, 0, buffer, 16), -1);
  EXPECT_STREQ(progress_last_error(), "info is NULL");
  const progress_job_info info = Running();
  EXPECT_EQ(progress_format_summary(&info, 0, 0, nullptr, 16), -1);
  EXPECT_STREQ(progress_last_error(), "buffer is NULL but size is not 0");
}

}  // namespace
