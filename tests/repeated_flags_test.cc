// List flags (--job, --server) repeat; Abseil alone keeps only the last.
#include "repeated_flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace progress::reporter {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Fold(std::vector<std::string> argv) {
  std::vector<char*> raw;
  for (std::string& arg : argv) raw.push_back(arg.data());
  std::vector<std::string> storage;
  std::vector<char*> folded = FoldRepeatedFlags(
      static_cast<int>(raw.size()), raw.data(), {"job", "server"}, &storage);
  return std::vector<std::string>(folded.begin(), folded.end());
}

TEST(FoldRepeatedFlagsTest, EveryFormOfEachListFlagIsJoined) {
  EXPECT_THAT(Fold({"reporter", "--server=a:1", "--job", "x", "--until_done",
                    "-server=b:1,c:1", "--server", "d:1", "-job=y"}),
              ElementsAre("reporter", "--job=x,y", "--server=a:1,b:1,c:1,d:1",
                          "--until_done"));
}

TEST(FoldRepeatedFlagsTest, OtherFlagsAndPositionalArgumentsStay) {
  EXPECT_THAT(
      Fold({"reporter", "--servers=z", "--interval=1s", "--", "--server=kept"}),
      ElementsAre("reporter", "--servers=z", "--interval=1s", "--",
                  "--server=kept"));
}

}  // namespace
}  // namespace progress::reporter
