#include "metrics/metrics_collector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace progress {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;
using ::testing::HasSubstr;
using ::testing::Not;

class MetricsCollectorTest : public ::testing::Test {
 protected:
  MetricsCollectorTest() {
    RegistryOptions options;
    options.clock = [this] { return now_; };
    registry_ = std::make_unique<JobRegistry>(options);
  }

  MetricsCollector Collector(
      absl::Duration ttl = absl::InfiniteDuration()) const {
    MetricsOptions options;
    options.finished_job_ttl = ttl;
    options.version = "1.2.3";
    options.start_time = absl::FromUnixSeconds(1'600'000'000);
    options.clock = [this] { return now_; };
    return MetricsCollector(registry_.get(), &stats_, options);
  }

  void Report(const std::string& job, const std::string& client,
              uint64_t success, uint64_t failure) {
    auto cursor = registry_->ResolveCursor(job, client);
    ASSERT_TRUE(cursor.ok());
    ASSERT_TRUE(registry_->Apply(**cursor, success, failure).ok());
  }

  static const MetricFamily* Find(const std::vector<MetricFamily>& families,
                                  const std::string& name) {
    for (const MetricFamily& family : families) {
      if (family.name == name) return &family;
    }
    return nullptr;
  }

  // Values of `name` by the value of its `job` label.
  static std::map<std::string, double> ByJob(
      const std::vector<MetricFamily>& families, const std::string& name) {
    std::map<std::string, double> values;
    const MetricFamily* family = Find(families, name);
    if (family == nullptr) return values;
    for (const auto& metric : family->metric) {
      EXPECT_EQ(metric.label.size(), 1u);
      EXPECT_EQ(metric.label[0].name, "job");
      values[metric.label[0].value] = family->type == MetricType::Counter
                                          ? metric.counter.value
                                          : metric.gauge.value;
    }
    return values;
  }

  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
  std::unique_ptr<JobRegistry> registry_;
  ServerStats stats_;
};

TEST_F(MetricsCollectorTest, TheUsersThreeMetricsWithTheirTypes) {
  Report("etl", "a", 70, 3);
  Report("etl", "b", 30, 2);
  const std::vector<MetricFamily> families = Collector().Collect();
  ASSERT_NE(Find(families, "progress_tracker_success_total"), nullptr);
  EXPECT_EQ(Find(families, "progress_tracker_success_total")->type,
            MetricType::Counter);
  EXPECT_EQ(Find(families, "progress_tracker_failure_total")->type,
            MetricType::Counter);
  EXPECT_EQ(Find(families, "progress_tracker_records_per_sec")->type,
            MetricType::Gauge);
  EXPECT_EQ(ByJob(families, "progress_tracker_success_total")["etl"], 100.0);
  EXPECT_EQ(ByJob(families, "progress_tracker_failure_total")["etl"], 5.0);
  EXPECT_EQ(ByJob(families, "progress_tracker_job_clients")["etl"], 2.0);
}

TEST_F(MetricsCollectorTest, RecordsPerSecIsTheRecentRate) {
  Report("etl", "a", 0, 0);
  for (int second = 1; second <= 4; ++second) {
    now_ += absl::Seconds(1);
    Report("etl", "a", second * 250, 0);
    registry_->SampleRates();
  }
  EXPECT_DOUBLE_EQ(
      ByJob(Collector().Collect(), "progress_tracker_records_per_sec")["etl"],
      250.0);
}

TEST_F(MetricsCollectorTest, ExpectedRecordsOnlyWhenKnownAndDoneFlag) {
  ASSERT_TRUE(registry_->Start("known", 500).ok());
  ASSERT_TRUE(registry_->Start("unknown", 0).ok());
  ASSERT_TRUE(registry_->Finish("known").ok());
  const std::vector<MetricFamily> families = Collector().Collect();
  const auto expected = ByJob(families, "progress_tracker_expected_records");
  EXPECT_EQ(expected.size(), 1u);
  EXPECT_EQ(expected.at("known"), 500.0);
  const auto done = ByJob(families, "progress_tracker_job_done");
  EXPECT_EQ(done.at("known"), 1.0);
  EXPECT_EQ(done.at("unknown"), 0.0);
}

TEST_F(MetricsCollectorTest, FinishedJobsLeaveAfterTheTtl) {
  Report("old", "a", 1, 0);
  Report("running", "a", 1, 0);
  ASSERT_TRUE(registry_->Finish("old").ok());
  now_ += absl::Minutes(5);
  const MetricsCollector collector = Collector(absl::Minutes(10));
  EXPECT_EQ(ByJob(collector.Collect(), "progress_tracker_success_total").size(),
            2u);
  now_ += absl::Minutes(6);
  const auto after =
      ByJob(collector.Collect(), "progress_tracker_success_total");
  EXPECT_EQ(after.size(), 1u);
  EXPECT_EQ(after.count("running"), 1u);
  // Still readable over gRPC.
  EXPECT_TRUE(registry_->Get("old").ok());
  // The default keeps them.
  EXPECT_EQ(
      ByJob(Collector().Collect(), "progress_tracker_success_total").size(),
      2u);
}

TEST_F(MetricsCollectorTest, HealthFamilies) {
  Report("etl", "a", 1, 0);
  Report("etl", "b", 1, 0);
  Report("other", "a", 1, 0);
  auto cursor = registry_->ResolveCursor("etl", "a");
  ASSERT_TRUE(registry_->Apply(**cursor, 0, 0).ok());  // A regression.
  stats_.CountRejected(Rpc::kIncrement, absl::StatusCode::kInvalidArgument);
  stats_.CountRejected(Rpc::kIncrement, absl::StatusCode::kInvalidArgument);
  stats_.CountRejected(Rpc::kGetCounts, absl::StatusCode::kNotFound);
  WriteQueueStats* queue = stats_.AddWriteQueue();
  queue->active_streams = 3;
  queue->increment_messages = 42;

  const std::vector<MetricFamily> families = Collector().Collect();
  auto single = [&](const std::string& name) {
    const MetricFamily* family = Find(families, name);
    EXPECT_NE(family, nullptr) << name;
    if (family == nullptr || family->metric.size() != 1) return -1.0;
    return family->type == MetricType::Counter ? family->metric[0].counter.value
                                               : family->metric[0].gauge.value;
  };
  EXPECT_EQ(single("progress_tracker_jobs"), 2.0);
  EXPECT_EQ(single("progress_tracker_known_clients"), 3.0);
  EXPECT_EQ(single("progress_tracker_increment_streams_active"), 3.0);
  EXPECT_EQ(single("progress_tracker_increment_messages_total"), 42.0);
  EXPECT_EQ(single("progress_tracker_regressions_ignored_total"), 1.0);
  EXPECT_EQ(single("progress_tracker_start_time_seconds"), 1'600'000'000.0);
  EXPECT_EQ(single("progress_tracker_build_info"), 1.0);

  const MetricFamily* rejected =
      Find(families, "progress_tracker_rejected_total");
  ASSERT_NE(rejected, nullptr);
  EXPECT_EQ(rejected->type, MetricType::Counter);
  std::map<std::string, double> by_reason;
  for (const auto& metric : rejected->metric) {
    ASSERT_EQ(metric.label.size(), 2u);
    by_reason[metric.label[0].value + "/" + metric.label[1].value] =
        metric.counter.value;
  }
  EXPECT_EQ(by_reason.size(), 2u);
  EXPECT_EQ(by_reason["Increment/INVALID_ARGUMENT"], 2.0);
  EXPECT_EQ(by_reason["GetCounts/NOT_FOUND"], 1.0);
}

TEST_F(MetricsCollectorTest, CountsStayExactIntegersUpToTwoToThe53) {
  constexpr uint64_t kLargest = (uint64_t{1} << 53) - 1;  // 9007199254740991
  // One client may report at most max_value_per_client (about 1.8e14 by
  // default), so a sum this large takes several clients, as it would live.
  const uint64_t cap = registry_->max_value_per_client();
  uint64_t failure = 1'234'567;
  int client = 0;
  for (uint64_t left = kLargest; left > 0; ++client) {
    const uint64_t part = std::min(left, cap);
    Report("huge", "c" + std::to_string(client), part, failure);
    left -= part;
    failure = 0;
  }
  const std::string text =
      prometheus::TextSerializer().Serialize(Collector().Collect());
  EXPECT_THAT(text, HasSubstr("progress_tracker_success_total{job=\"huge\"} "
                              "9007199254740991\n"));
  EXPECT_THAT(
      text,
      HasSubstr("progress_tracker_failure_total{job=\"huge\"} 1234567\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE progress_tracker_success_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE progress_tracker_records_per_sec gauge"));
  EXPECT_THAT(text, Not(HasSubstr("e+")));
}

}  // namespace
}  // namespace progress
