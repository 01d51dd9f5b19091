// /metrics over HTTP from a real server, scraped while it works.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "http/http_server.h"
#include "http_get.h"
#include "metrics/metrics_collector.h"
#include "metrics/metrics_route.h"
#include "test_server.h"

namespace progress {
namespace {

using ::progress::testing::Counts;
using ::progress::testing::HttpGet;
using ::progress::testing::Message;
using ::progress::testing::TestServer;
using ::testing::HasSubstr;

class MetricsEndpointTest : public ::testing::Test {
 protected:
  MetricsEndpointTest() {
    auto endpoint = HttpServer::Start("127.0.0.1:0");
    EXPECT_TRUE(endpoint.ok()) << endpoint.status();
    if (!endpoint.ok()) return;
    endpoint_ = *std::move(endpoint);
    endpoint_->Route(
        kMetricsPath,
        MetricsRoute(std::make_shared<MetricsCollector>(
            &server_.registry(), &server_.server().stats(), MetricsOptions{})));
  }

  std::string Scrape() {
    std::optional<std::string> body = HttpGet(endpoint_->port(), "/metrics");
    EXPECT_TRUE(body.has_value());
    return body.value_or("");
  }

  grpc::Status Send(const v1::IncrementRequest& message) {
    return testing::SendAll(*server_.NewStub(), {message});
  }

  TestServer server_;
  std::unique_ptr<HttpServer> endpoint_;
};

// The value of `job`'s success counter in a scrape, if present.
std::optional<double> SuccessOf(const std::string& scrape,
                                const std::string& job) {
  const std::regex line("progress_tracker_success_total\\{job=\"" + job +
                        "\"\\} ([0-9.e+]+)");
  std::smatch match;
  if (!std::regex_search(scrape, match, line)) return std::nullopt;
  return std::stod(match[1]);
}

TEST_F(MetricsEndpointTest, ServesTheUsersMetricsWithTypeLinesAndJobLabel) {
  ASSERT_TRUE(Send(Message("w", Counts("served", 12, 3))).ok());
  const std::string scrape = Scrape();
  EXPECT_THAT(scrape,
              HasSubstr("# TYPE progress_tracker_success_total counter\n"));
  EXPECT_THAT(scrape,
              HasSubstr("# TYPE progress_tracker_failure_total counter\n"));
  EXPECT_THAT(scrape,
              HasSubstr("# TYPE progress_tracker_records_per_sec gauge\n"));
  EXPECT_THAT(scrape,
              HasSubstr("progress_tracker_success_total{job=\"served\"} 12\n"));
  EXPECT_THAT(scrape,
              HasSubstr("progress_tracker_failure_total{job=\"served\"} 3\n"));
  EXPECT_THAT(scrape,
              HasSubstr("progress_tracker_records_per_sec{job=\"served\"} "));
  EXPECT_THAT(scrape,
              HasSubstr("progress_tracker_increment_messages_total 1\n"));
}

TEST_F(MetricsEndpointTest, RejectionsShowUpByReason) {
  EXPECT_FALSE(Send(Message("", Counts("x", 1, 0))).ok());
  EXPECT_THAT(Scrape(),
              HasSubstr("progress_tracker_rejected_total{rpc=\"Increment\","
                        "code=\"INVALID_ARGUMENT\"} 1\n"));
}

TEST_F(MetricsEndpointTest, ScrapesDuringAFloodAreConsistent) {
  constexpr int kStreams = 16;
  constexpr uint64_t kMaxMessages = 100000;  // Bounds the flood.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sent{0};
  std::vector<std::thread> flooders;
  for (int s = 0; s < kStreams; ++s) {
    flooders.emplace_back([&, s] {
      auto stub = server_.NewStub();
      grpc::ClientContext context;
      v1::IncrementResponse response;
      auto writer = stub->Increment(&context, &response);
      uint64_t i = 0;
      while (i < kMaxMessages && !stop.load()) {
        if (!writer->Write(
                Message("f" + std::to_string(s), Counts("flood", i + 1, 0))))
          break;
        ++i;
      }
      writer->WritesDone();
      EXPECT_TRUE(writer->Finish().ok());
      sent.fetch_add(i);
    });
  }

  double previous = 0;
  int scrapes_with_job = 0;
  for (int scrape = 0; scrape < 40; ++scrape) {
    const std::optional<double> success = SuccessOf(Scrape(), "flood");
    if (success.has_value()) {
      ++scrapes_with_job;
      EXPECT_GE(*success, previous) << "success went backwards";
      previous = *success;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  stop = true;
  for (auto& flooder : flooders) flooder.join();
  EXPECT_GT(scrapes_with_job, 0);
  EXPECT_EQ(SuccessOf(Scrape(), "flood"), static_cast<double>(sent.load()));
}

TEST_F(MetricsEndpointTest, ATakenPortIsAClearError) {
  auto second =
      HttpServer::Start(absl::StrCat("127.0.0.1:", endpoint_->port()));
  EXPECT_TRUE(absl::IsUnavailable(second.status()));
  EXPECT_THAT(second.status().message(), HasSubstr("cannot serve HTTP on"));
}

}  // namespace
}  // namespace progress
