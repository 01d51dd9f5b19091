// progress-reporter's lines against the shared table of cases
// (format_vectors/format_vectors.json), which the Python ProgressReporter's
// tests read too: both are held to the same text.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "format_vectors/format_vectors.pb.h"
#include "progress_format.h"

namespace progress::reporter {
namespace {

test::FormatCases LoadCases() {
  std::ifstream file(FORMAT_VECTORS_PATH);
  std::stringstream text;
  text << file.rdbuf();
  test::FormatCases cases;
  const auto status =
      google::protobuf::util::JsonStringToMessage(text.str(), &cases);
  EXPECT_TRUE(status.ok()) << FORMAT_VECTORS_PATH << ": " << status.ToString();
  return cases;
}

absl::Time TimeOf(const google::protobuf::Timestamp& time) {
  return absl::FromUnixNanos(
      google::protobuf::util::TimeUtil::TimestampToNanoseconds(time));
}

TEST(FormatVectorsTest, TheTableHasCases) {
  EXPECT_GE(LoadCases().cases_size(), 8);
}

TEST(FormatVectorsTest, ProgressLinesReadAsTheTableSays) {
  const test::FormatCases cases = LoadCases();
  for (const test::FormatCase& c : cases.cases()) {
    const ProgressView view =
        ViewOf(c.job(), c.total_override(), TimeOf(c.now()));
    EXPECT_EQ(FormatProgressLine(view), c.line()) << c.name();
  }
}

TEST(FormatVectorsTest, FinalBlocksReadAsTheTableSays) {
  const test::FormatCases cases = LoadCases();
  for (const test::FormatCase& c : cases.cases()) {
    const ProgressView view =
        ViewOf(c.job(), c.total_override(), TimeOf(c.now()));
    const std::vector<std::string> lines =
        absl::StrSplit(FormatSummary(view), '\n');
    EXPECT_EQ(lines,
              std::vector<std::string>(c.summary().begin(), c.summary().end()))
        << c.name();
  }
}

}  // namespace
}  // namespace progress::reporter
