// IncrementSession's closing: a client's entries fold when its closing
// stream ends, or, when an older stream of the same client still holds
// them, as soon as that one lets go.
#include "rpc/increment_session.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "registry/job_registry.h"

namespace progress {
namespace {

v1::IncrementRequest Message(const std::string& client, uint64_t success,
                             bool closing) {
  v1::IncrementRequest request;
  request.set_client_id(client);
  request.set_closing(closing);
  v1::JobCounts* counts = request.add_jobs();
  counts->set_job("job");
  counts->set_success(success);
  return request;
}

TEST(IncrementSessionTest, AClosingStreamFoldsItsClientWhenItEnds) {
  JobRegistry registry;
  IncrementSession closing(&registry);
  ASSERT_TRUE(closing.Apply(Message("w", 5, true)).ok());
  closing.RetireIfClosing();
  EXPECT_EQ(registry.Stats().client_cursors, 0u);
  EXPECT_EQ(registry.Stats().tombstones, 1u);
  EXPECT_EQ(registry.Get("job")->success, 5u);
}

TEST(IncrementSessionTest, AnOlderStreamEndingLastStillFolds) {
  JobRegistry registry;
  auto older = std::make_unique<IncrementSession>(&registry);
  ASSERT_TRUE(older->Apply(Message("w", 3, false)).ok());
  // The library cancels its long-lived stream and opens the closing one;
  // the daemon may see the closing one end first.
  IncrementSession closing(&registry);
  ASSERT_TRUE(closing.Apply(Message("w", 5, true)).ok());
  closing.RetireIfClosing();
  EXPECT_EQ(registry.Stats().client_cursors, 1u);
  older.reset();
  EXPECT_EQ(registry.Stats().client_cursors, 0u);
  EXPECT_EQ(registry.Stats().tombstones, 1u);
  EXPECT_EQ(registry.Get("job")->success, 5u);
}

TEST(IncrementSessionTest, AStreamThatDidNotCloseFoldsNothing) {
  JobRegistry registry;
  {
    IncrementSession stream(&registry);
    ASSERT_TRUE(stream.Apply(Message("w", 5, false)).ok());
    stream.RetireIfClosing();
  }
  EXPECT_EQ(registry.Stats().client_cursors, 1u);
  EXPECT_EQ(registry.Stats().tombstones, 0u);
}

}  // namespace
}  // namespace progress
