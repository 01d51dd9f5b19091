// What the reporter says about the daemons it polls: once per change.
#include "daemon_watch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace progress::reporter {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class DaemonWatchTest : public ::testing::Test {
 protected:
  std::shared_ptr<spdlog::logger> Logger() {
    auto logger = std::make_shared<spdlog::logger>(
        "watch", std::make_shared<spdlog::sinks::ostream_sink_st>(log_));
    logger->set_pattern("%l %v");
    return logger;
  }

  // One poll in which `targets` of `server` answered as `statuses` say.
  void Poll(DaemonWatch& watch, const std::string& server,
            const std::vector<std::string>& targets,
            const std::vector<absl::Status>& statuses) {
    DaemonSet::Resolution resolution;
    std::vector<DaemonAnswer> answers;
    for (size_t i = 0; i < targets.size(); ++i) {
      resolution.daemons.push_back({{server, targets[i]}, nullptr});
      answers.push_back({targets[i], statuses[i], {}});
    }
    watch.Observe(resolution, answers, SumAnswers(answers, {"j"}));
  }

  // The log so far, emptied.
  std::string Said() {
    std::string said = log_.str();
    log_.str("");
    return said;
  }

  std::ostringstream log_;
};

TEST_F(DaemonWatchTest, ADaemonGoingAndComingBackIsSaidOnceEach) {
  DaemonWatch watch({"a:1", "b:1"}, true, false, Logger());
  const absl::Status down = absl::UnavailableError("refused");
  Poll(watch, "a:1", {"a:1"}, {absl::OkStatus()});
  EXPECT_THAT(Said(), IsEmpty());
  Poll(watch, "a:1", {"a:1"}, {down});
  EXPECT_THAT(Said(), HasSubstr("warning cannot reach progressd at a:1 "
                                "(UNAVAILABLE: refused); still polling; "
                                "sums leave it out"));
  Poll(watch, "a:1", {"a:1"}, {down});
  EXPECT_THAT(Said(), IsEmpty());
  Poll(watch, "a:1", {"a:1"}, {absl::OkStatus()});
  EXPECT_THAT(Said(), HasSubstr("info reached progressd at a:1"));
  Poll(watch, "a:1", {"a:1"}, {absl::UnimplementedError("no")});
  EXPECT_THAT(Said(), HasSubstr("progressd at a:1 answered with an error: "
                                "UNIMPLEMENTED: no"));
}

TEST_F(DaemonWatchTest, WithOneDaemonTheWarningReadsAsItAlwaysHas) {
  DaemonWatch watch({"a:1"}, false, false, Logger());
  Poll(watch, "a:1", {"a:1"}, {absl::UnavailableError("refused")});
  EXPECT_EQ(Said(),
            "warning cannot reach progressd at a:1 (UNAVAILABLE: refused); "
            "still polling\n");
}

TEST_F(DaemonWatchTest, NeverReachedListsServersWithoutAnyAnswer) {
  DaemonWatch watch({"a:1", "b:1"}, true, false, Logger());
  Poll(watch, "b:1", {"b:1"}, {absl::UnavailableError("refused")});
  EXPECT_EQ(watch.NeverReached().size(), 2u);
  // An error is an answer: something listens there.
  Poll(watch, "a:1", {"a:1"}, {absl::UnimplementedError("not progressd")});
  const auto never = watch.NeverReached();
  ASSERT_EQ(never.size(), 1u);
  EXPECT_EQ(never[0].first, "b:1");
  EXPECT_TRUE(absl::IsUnavailable(never[0].second));
}

TEST_F(DaemonWatchTest, EachAddressSaysWhatANameResolvesToWhenItChanges) {
  DaemonWatch watch({"nodes:1"}, true, true, Logger());
  const absl::Status ok = absl::OkStatus();
  Poll(watch, "nodes:1", {"10.0.0.1:1", "10.0.0.2:1"}, {ok, ok});
  EXPECT_THAT(Said(), HasSubstr("nodes:1 resolves to 2 daemons: 10.0.0.1:1, "
                                "10.0.0.2:1"));
  Poll(watch, "nodes:1", {"10.0.0.1:1", "10.0.0.2:1"}, {ok, ok});
  EXPECT_THAT(Said(), IsEmpty());
  Poll(watch, "nodes:1", {"10.0.0.1:1", "10.0.0.2:1"},
       {ok, absl::UnavailableError("refused")});
  EXPECT_THAT(Said(),
              HasSubstr("cannot reach progressd at 10.0.0.2:1 (of nodes:1)"));
  Poll(watch, "nodes:1", {"10.0.0.1:1"}, {ok});
  EXPECT_THAT(Said(), HasSubstr("nodes:1 resolves to 1 daemon: 10.0.0.1:1"));
  EXPECT_THAT(watch.NeverReached(), IsEmpty());
}

TEST_F(DaemonWatchTest, ANameThatStopsResolvingIsSaidEachTime) {
  DaemonWatch watch({"nodes:1"}, true, true, Logger());
  const absl::Status unresolved = absl::UnavailableError("cannot resolve");
  for (int round = 0; round < 2; ++round) {
    Poll(watch, "nodes:1", {"10.0.0.1:1"}, {absl::OkStatus()});
    EXPECT_THAT(Said(), HasSubstr("nodes:1 resolves to 1 daemon"));
    // The unresolved name answers under its own name.
    Poll(watch, "nodes:1", {"nodes:1"}, {unresolved});
    EXPECT_THAT(Said(), HasSubstr("cannot reach progressd at nodes:1"));
  }
}

TEST_F(DaemonWatchTest, ADaemonReachedTwiceIsSaidOnce) {
  DaemonWatch watch({"a:1", "b:1"}, true, false, Logger());
  v1::Job job;
  job.set_name("j");
  job.mutable_created_time()->set_seconds(5);
  const std::vector<DaemonAnswer> answers = {{"a:1", absl::OkStatus(), {job}},
                                             {"b:1", absl::OkStatus(), {job}}};
  DaemonSet::Resolution resolution;
  resolution.daemons = {{{"a:1", "a:1"}, nullptr}, {{"b:1", "b:1"}, nullptr}};
  for (int poll = 0; poll < 3; ++poll) {
    watch.Observe(resolution, answers, SumAnswers(answers, {"j"}));
  }
  const std::string said = Said();
  EXPECT_THAT(said, HasSubstr("progressd at b:1 is the daemon at a:1 reached "
                              "again"));
  EXPECT_EQ(said.find("reached again"), said.rfind("reached again"));
  EXPECT_THAT(said, Not(HasSubstr("cannot reach")));
}

}  // namespace
}  // namespace progress::reporter
