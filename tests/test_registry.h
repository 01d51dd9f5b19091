#ifndef PROGRESS_TESTS_TEST_REGISTRY_H_
#define PROGRESS_TESTS_TEST_REGISTRY_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "registry/job_registry.h"

namespace progress::testing {

// A registry on a clock the test moves by hand, for the registry's own tests.
class RegistryTest : public ::testing::Test {
 protected:
  explicit RegistryTest(RegistryLimits limits = {}) {
    RegistryOptions options;
    options.limits = limits;
    options.clock = [this] { return now_; };
    registry_ = std::make_unique<JobRegistry>(options);
  }

  std::shared_ptr<ClientCursor> Cursor(const std::string& job,
                                       const std::string& client) {
    auto cursor = registry_->ResolveCursor(job, client);
    EXPECT_TRUE(cursor.ok()) << cursor.status();
    return cursor.ok() ? *cursor : nullptr;
  }

  JobSnapshot Get(const std::string& job) {
    auto snapshot = registry_->Get(job);
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    return snapshot.ok() ? *snapshot : JobSnapshot{};
  }

  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
  std::unique_ptr<JobRegistry> registry_;
};

}  // namespace progress::testing

#endif  // PROGRESS_TESTS_TEST_REGISTRY_H_
