// Summing one poll's answers from several daemons: a pure function.
#include "job_sum.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace progress::reporter {
namespace {

using ::google::protobuf::Timestamp;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Timestamp At(int64_t seconds, int32_t nanos = 0) {
  Timestamp time;
  time.set_seconds(seconds);
  time.set_nanos(nanos);
  return time;
}

v1::Job Record(const std::string& name, uint64_t success, uint64_t failure,
               int64_t created) {
  v1::Job job;
  job.set_name(name);
  job.set_success(success);
  job.set_failure(failure);
  *job.mutable_created_time() = At(created);
  return job;
}

DaemonAnswer Answered(const std::string& daemon, std::vector<v1::Job> jobs) {
  return {daemon, absl::OkStatus(), std::move(jobs)};
}

TEST(MergeJobTest, SumsCountsClientsAndRates) {
  v1::Job a = Record("j", 100, 1, 10);
  a.set_clients(2);
  a.set_average_rate(10.5);
  a.set_recent_rate(20);
  v1::Job b = Record("j", 200, 2, 11);
  b.set_clients(3);
  b.set_average_rate(1.5);
  b.set_recent_rate(5);
  const v1::Job sum = MergeJob({&a, &b});
  EXPECT_EQ(sum.name(), "j");
  EXPECT_EQ(sum.success(), 300u);
  EXPECT_EQ(sum.failure(), 3u);
  EXPECT_EQ(sum.clients(), 5u);
  EXPECT_DOUBLE_EQ(sum.average_rate(), 12.0);
  EXPECT_DOUBLE_EQ(sum.recent_rate(), 25.0);
}

TEST(MergeJobTest, ExpectedTotalIsTheLargest) {
  v1::Job started = Record("j", 0, 0, 10);
  started.set_expected_total(1000);
  const v1::Job worker_only = Record("j", 5, 0, 11);
  EXPECT_EQ(MergeJob({&worker_only, &started}).expected_total(), 1000u);
}

TEST(MergeJobTest, EarliestStartsAndLatestEndsAmongTheSetTimes) {
  v1::Job a = Record("j", 1, 0, 20);
  *a.mutable_first_update_time() = At(25);
  *a.mutable_last_update_time() = At(40);
  v1::Job b = Record("j", 1, 0, 10);
  *b.mutable_first_update_time() = At(30, 5);
  *b.mutable_last_update_time() = At(40, 7);
  *b.mutable_finish_time() = At(50);
  v1::Job c = Record("j", 0, 0, 15);  // Started, no update, not finished.
  c.mutable_first_update_time();      // Present but zero: not yet.
  const v1::Job sum = MergeJob({&a, &b, &c});
  EXPECT_TRUE(MessageDifferencer::Equals(sum.created_time(), At(10)));
  EXPECT_TRUE(MessageDifferencer::Equals(sum.first_update_time(), At(25)));
  EXPECT_TRUE(MessageDifferencer::Equals(sum.last_update_time(), At(40, 7)));
  EXPECT_TRUE(MessageDifferencer::Equals(sum.finish_time(), At(50)));
}

TEST(MergeJobTest, DoneWhenAnyDaemonHasItDone) {
  v1::Job running = Record("j", 1, 0, 10);
  v1::Job finished = Record("j", 1, 0, 11);
  finished.set_done(true);
  EXPECT_FALSE(MergeJob({&running, &running}).done());
  EXPECT_TRUE(MergeJob({&running, &finished}).done());
}

TEST(MergeJobTest, OneRecordIsItselfAndUnsetTimesStayUnset) {
  v1::Job only = Record("j", 7, 1, 10);
  only.set_expected_total(9);
  only.set_clients(1);
  only.set_recent_rate(3);
  const v1::Job sum = MergeJob({&only});
  EXPECT_TRUE(MessageDifferencer::Equals(sum, only)) << sum.DebugString();
  EXPECT_FALSE(sum.has_first_update_time());
  EXPECT_FALSE(sum.has_finish_time());
}

TEST(SumAnswersTest, AJobMissingOnSomeDaemonsIsSummedOverTheOthers) {
  const PollSum sum =
      SumAnswers({Answered("a", {Record("j", 1, 0, 1)}), Answered("b", {}),
                  Answered("c", {Record("j", 2, 1, 2)})},
                 {"j"});
  ASSERT_EQ(sum.jobs.size(), 1u);
  EXPECT_EQ(sum.jobs[0].success(), 3u);
  EXPECT_EQ(sum.jobs[0].failure(), 1u);
  EXPECT_THAT(sum.waiting_for, IsEmpty());
  EXPECT_THAT(sum.answered, ElementsAre("a", "b", "c"));
  EXPECT_FALSE(sum.partial());
}

TEST(SumAnswersTest, AJobOnNoDaemonIsWaitedFor) {
  const PollSum sum =
      SumAnswers({Answered("a", {}), Answered("b", {})}, {"nowhere"});
  EXPECT_THAT(sum.jobs, IsEmpty());
  EXPECT_THAT(sum.waiting_for, ElementsAre("nowhere"));
  EXPECT_FALSE(sum.partial());
}

TEST(SumAnswersTest, FollowedJobsKeepTheirOrder) {
  const PollSum sum =
      SumAnswers({Answered("a", {Record("x", 1, 0, 1), Record("y", 1, 0, 1)})},
                 {"y", "absent", "x"});
  ASSERT_EQ(sum.jobs.size(), 2u);
  EXPECT_EQ(sum.jobs[0].name(), "y");
  EXPECT_EQ(sum.jobs[1].name(), "x");
  EXPECT_THAT(sum.waiting_for, ElementsAre("absent"));
}

TEST(SumAnswersTest, EveryJobIsTheUnionInNameOrder) {
  const PollSum sum =
      SumAnswers({Answered("a", {Record("m", 1, 0, 1), Record("z", 1, 0, 1)}),
                  Answered("b", {Record("b", 2, 0, 2), Record("m", 2, 0, 2)})},
                 {});
  ASSERT_EQ(sum.jobs.size(), 3u);
  EXPECT_EQ(sum.jobs[0].name(), "b");
  EXPECT_EQ(sum.jobs[1].name(), "m");
  EXPECT_EQ(sum.jobs[1].success(), 3u);
  EXPECT_EQ(sum.jobs[2].name(), "z");
}

TEST(SumAnswersTest, ADaemonThatDidNotAnswerMakesThePollPartial) {
  const PollSum sum =
      SumAnswers({Answered("a", {Record("j", 1, 0, 1)}),
                  {"b", absl::UnavailableError("connection refused"), {}},
                  {"c", absl::UnimplementedError("not progressd"), {}}},
                 {"j"});
  ASSERT_EQ(sum.jobs.size(), 1u);
  EXPECT_EQ(sum.jobs[0].success(), 1u);
  EXPECT_TRUE(sum.partial());
  EXPECT_THAT(sum.answered, ElementsAre("a"));
  ASSERT_EQ(sum.missing.size(), 2u);
  EXPECT_EQ(sum.missing[0].daemon, "b");
  EXPECT_TRUE(absl::IsUnavailable(sum.missing[0].status));
  EXPECT_EQ(sum.missing[1].daemon, "c");
}

TEST(SumAnswersTest, OneDaemonReachedTwiceIsCountedOnce) {
  v1::Job job = Record("j", 5, 0, 1);
  job.mutable_created_time()->set_nanos(123456789);
  const PollSum sum =
      SumAnswers({Answered("127.0.0.1:1", {job}), Answered("[::1]:1", {job}),
                  Answered("10.0.0.1:1", {Record("j", 2, 0, 1)})},
                 {"j"});
  ASSERT_EQ(sum.jobs.size(), 1u);
  EXPECT_EQ(sum.jobs[0].success(), 7u);
  EXPECT_THAT(sum.answered, ElementsAre("127.0.0.1:1", "10.0.0.1:1"));
  ASSERT_EQ(sum.duplicates.size(), 1u);
  EXPECT_EQ(sum.duplicates[0].first, "[::1]:1");
  EXPECT_EQ(sum.duplicates[0].second, "127.0.0.1:1");
}

TEST(SameDaemonTest, NeedsASharedJobCreatedAtTheSameInstant) {
  const DaemonAnswer a = Answered("a", {Record("j", 1, 0, 1)});
  EXPECT_TRUE(SameDaemon(a, Answered("b", {Record("j", 1, 0, 1)})));
  // Created a second apart: two daemons.
  EXPECT_FALSE(SameDaemon(a, Answered("b", {Record("j", 1, 0, 2)})));
  // Nothing shared, nothing to tell them apart by: two daemons.
  EXPECT_FALSE(SameDaemon(a, Answered("b", {Record("k", 1, 0, 1)})));
  EXPECT_FALSE(SameDaemon(a, Answered("b", {})));
  // One shared job created at another instant is enough to tell.
  EXPECT_FALSE(
      SameDaemon(Answered("a", {Record("j", 1, 0, 1), Record("k", 1, 0, 5)}),
                 Answered("b", {Record("j", 1, 0, 1), Record("k", 1, 0, 6)})));
}

}  // namespace
}  // namespace progress::reporter
