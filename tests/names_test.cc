#include "names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace progress {
namespace {

using ::testing::HasSubstr;

TEST(ValidateNameTest, AcceptsTheWholeCharset) {
  EXPECT_TRUE(ValidateName("job name", "Az09._:-", 128).ok());
}

TEST(ValidateNameTest, RejectsEmpty) {
  const absl::Status status = ValidateName("job name", "", 128);
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(), HasSubstr("job name is empty"));
}

TEST(ValidateNameTest, RejectsOversizedAndSaysTheLimit) {
  const absl::Status status =
      ValidateName("job name", std::string(129, 'a'), 128);
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(), HasSubstr("129 bytes"));
  EXPECT_THAT(status.message(), HasSubstr("limit of 128"));
}

TEST(ValidateNameTest, AcceptsExactlyTheLimit) {
  EXPECT_TRUE(ValidateName("job name", std::string(128, 'a'), 128).ok());
}

TEST(ValidateNameTest, RejectsForeignBytesAndListsTheAllowedOnes) {
  for (const std::string& bad :
       std::vector<std::string>{"a b", "a/b", "job\n", std::string("a\0b", 3),
                                "caf\xc3\xa9", "a{b}"}) {
    const absl::Status status = ValidateName("client id", bad, 128);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << bad;
    EXPECT_THAT(status.message(), HasSubstr("client id has byte"));
    EXPECT_THAT(status.message(), HasSubstr(kNameCharsetDescription));
  }
}

}  // namespace
}  // namespace progress
