// Drives JobRegistry with operations decoded from the input and checks the
// registry's invariants after each one (registry_checker.h). Limits are
// small so that every refusal is reached within a few operations.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "registry/job_registry.h"
#include "registry_checker.h"

namespace progress::fuzz {
namespace {

using Key = std::pair<std::string, std::string>;

// Mostly names from a small pool, so operations meet on the same jobs and
// clients; sometimes any bytes, for the name checks.
std::string PickName(FuzzedDataProvider& input, const char* prefix) {
  const uint8_t choice = input.ConsumeIntegral<uint8_t>();
  if (choice < 200) return absl::StrCat(prefix, choice % 6);
  return input.ConsumeRandomLengthString(12);
}

// Small values, values near the per-client cap and anything at all.
uint64_t PickValue(FuzzedDataProvider& input, uint64_t cap) {
  switch (input.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      return input.ConsumeIntegralInRange<uint64_t>(0, 100);
    case 1:
      return cap - input.ConsumeIntegralInRange<uint64_t>(0, 2) +
             input.ConsumeIntegralInRange<uint64_t>(0, 2);
    case 2:
      return std::numeric_limits<uint64_t>::max() -
             input.ConsumeIntegralInRange<uint64_t>(0, 2);
    default:
      return input.ConsumeIntegral<uint64_t>();
  }
}

class Driver {
 public:
  Driver()
      : registry_(SmallRegistry([this] { return now_; })),
        checker_(registry_.limits()) {}

  void Step(FuzzedDataProvider& input) {
    now_ += absl::Milliseconds(input.ConsumeIntegralInRange<int>(0, 1500));
    const RegistryState before = Observe();
    absl::Status status = absl::OkStatus();
    switch (input.ConsumeIntegralInRange<int>(0, 7)) {
      case 0:
        status = Resolve(input);
        break;
      case 1: {
        const std::string job = PickName(input, "j");
        const std::string client = PickName(input, "c");
        if (!JobRegistry::ValidateClientId(client).ok()) break;
        auto cursor = registry_.ResolveCursor(job, client);
        status = cursor.status();
        if (cursor.ok()) Remember(job, client, std::move(*cursor));
        break;
      }
      case 2:
        status = Apply(input);
        break;
      case 3:
        status = registry_
                     .Start(PickName(input, "j"),
                            input.ConsumeIntegralInRange<uint64_t>(0, 3))
                     .status();
        break;
      case 4:
        status = registry_.Finish(PickName(input, "j")).status();
        break;
      case 5:
        status = registry_.Get(PickName(input, "j")).status();
        break;
      case 6:
        registry_.List(PickName(input, "j"),
                       input.ConsumeIntegralInRange<size_t>(0, 5));
        break;
      default:
        registry_.SampleRates();
        break;
    }
    const RegistryState after = Observe();
    if (!status.ok()) RequireUnchanged(before, after, status);
    checker_.Check(after);
    RegistryStats stats = registry_.Stats();
    Require(stats.jobs == after.jobs.size() &&
                stats.client_cursors == after.cursors.size(),
            "Stats disagrees with List");
  }

 private:
  absl::Status Resolve(FuzzedDataProvider& input) {
    const std::string client = PickName(input, "c");
    if (!JobRegistry::ValidateClientId(client).ok()) return absl::OkStatus();
    std::vector<std::string> jobs(input.ConsumeIntegralInRange<size_t>(0, 4));
    for (std::string& job : jobs) job = PickName(input, "j");
    const std::vector<absl::string_view> views(jobs.begin(), jobs.end());
    auto cursors = registry_.ResolveCursors(views, client);
    if (!cursors.ok()) {
      const absl::StatusCode code = cursors.status().code();
      Require(code == absl::StatusCode::kInvalidArgument ||
                  code == absl::StatusCode::kResourceExhausted,
              cursors.status().ToString());
      return cursors.status();
    }
    Require(cursors->size() == jobs.size(), "ResolveCursors: wrong count");
    for (size_t i = 0; i < jobs.size(); ++i) {
      Remember(jobs[i], client, std::move((*cursors)[i]));
    }
    return absl::OkStatus();
  }

  absl::Status Apply(FuzzedDataProvider& input) {
    if (cursors_.empty()) return absl::OkStatus();
    auto it = cursors_.begin();
    std::advance(it,
                 input.ConsumeIntegralInRange<size_t>(0, cursors_.size() - 1));
    ClientCursor& cursor = *it->second;
    const ClientCursor::Counts old = cursor.applied();
    const uint64_t cap = registry_.max_value_per_client();
    const uint64_t success = PickValue(input, cap);
    const uint64_t failure = PickValue(input, cap);
    absl::StatusOr<ApplyResult> result =
        registry_.Apply(cursor, success, failure);
    if (!result.ok()) {
      Require(
          success > cap || failure > cap,
          "Apply refused values within the cap: " + result.status().ToString());
      return result.status();
    }
    Require(success <= cap && failure <= cap, "Apply took a value over cap");
    const ClientCursor::Counts now = cursor.applied();
    Require(now.success == std::max(old.success, success) &&
                now.failure == std::max(old.failure, failure),
            "Apply: the cursor is not the larger of old and new");
    Require(result->added ==
                (now.success - old.success) + (now.failure - old.failure),
            "Apply: added is not what the cursor moved");
    Require(
        result->regressed == (success < old.success || failure < old.failure),
        "Apply: regressed is wrong");
    return absl::OkStatus();
  }

  void Remember(const std::string& job, const std::string& client,
                std::shared_ptr<ClientCursor> cursor) {
    Require(cursor != nullptr && cursor->job().name() == job,
            "a cursor for another job");
    auto [it, inserted] = cursors_.emplace(Key(job, client), cursor);
    Require(inserted || it->second == cursor,
            "a second cursor for one (job, client)");
  }

  RegistryState Observe() const {
    CursorCounts counts;
    for (const auto& [key, cursor] : cursors_) {
      counts.emplace(key, cursor->applied());
    }
    return Capture(registry_, std::move(counts));
  }

  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  JobRegistry registry_;
  InvariantChecker checker_;
  std::map<Key, std::shared_ptr<ClientCursor>> cursors_;
};

}  // namespace
}  // namespace progress::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  progress::fuzz::Driver driver;
  for (int step = 0; step < 64 && input.remaining_bytes() > 0; ++step) {
    driver.Step(input);
  }
  return 0;
}
