#ifndef PROGRESS_CLIENT_REPORTER_PROGRESS_FORMAT_H_
#define PROGRESS_CLIENT_REPORTER_PROGRESS_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "progress/v1/progress.pb.h"

namespace progress::reporter {

// One job's progress as the reporter shows it.
struct ProgressView {
  std::string job;
  uint64_t success = 0;
  uint64_t failure = 0;
  // 0 when unknown.
  uint64_t total = 0;
  // From the job's first update to now, or to when it finished or reached its
  // total; zero before the first update.
  absl::Duration elapsed;
  // The daemon's records per second over its recent window; 0 when unknown.
  double recent_rate = 0.0;
  bool done = false;

  uint64_t processed() const { return success + failure; }
  // Records per second over `elapsed`; 0 before any time has passed.
  double rate() const;
  // Percent of `total` processed, when the total is known.
  std::optional<double> percent() const;
  // Time left at the recent rate (the average rate when there is no recent
  // one), when the total is known and not reached and the job still runs.
  std::optional<absl::Duration> eta() const;
  // Done, or the total (when known) reached.
  bool complete() const;
};

// Builds the view of `job` at `now`; `total_override` (if non-zero) replaces
// the job's expected total.
ProgressView ViewOf(const v1::Job& job, uint64_t total_override,
                    absl::Time now);

// 49800 -> "49,800".
std::string WithThousands(uint64_t value);

// The user's line:
// "Progress: 49,800/100,000 (49.8%) | success: 49,800 | failure: 0 | "
// "3,658 rec/s | 13.6s elapsed, ETA 7.2s"
// Without a total: "Progress: 49,800 | success: ...", and no ETA.
std::string FormatProgressLine(const ProgressView& view);

// Which daemons a poll of several counted, and which it could not.
struct DaemonCoverage {
  std::vector<std::string> answered;
  std::vector<std::string> missing;

  bool partial() const { return !missing.empty(); }
};

// "partial: 1 of 3 daemons missing (10.0.0.7:50051)", naming the first few
// missing daemons; empty when none is missing.
std::string FormatPartial(const DaemonCoverage& coverage);

// The user's closing block, with its dashed rules, one line per element;
// when `coverage` is partial, a line "Partial: 1 of 3 daemons missing (...)"
// before the last rule.
std::string FormatSummary(const ProgressView& view,
                          const DaemonCoverage* coverage = nullptr);

// One JSON object (no newline) with the same figures. With several daemons
// (`coverage` not null) also "partial", "daemons_answered" and
// "daemons_missing".
std::string FormatJson(const ProgressView& view, absl::Time now,
                       const DaemonCoverage* coverage = nullptr);

}  // namespace progress::reporter

#endif  // PROGRESS_CLIENT_REPORTER_PROGRESS_FORMAT_H_
