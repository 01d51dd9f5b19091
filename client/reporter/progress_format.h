#ifndef PROGRESS_CLIENT_REPORTER_PROGRESS_FORMAT_H_
#define PROGRESS_CLIENT_REPORTER_PROGRESS_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "progress/v1/progress.pb.h"
#include "progress_view.h"

namespace progress::reporter {

// The figures and lines are the shared ones (common/progress_view.h), so the
// Python ProgressReporter prints what this reporter prints.
using ::progress::FormatProgressLine;
using ::progress::ProgressView;
using ::progress::WithThousands;

// Builds the view of `job` at `now`; `total_override` (if non-zero) replaces
// the job's expected total.
ProgressView ViewOf(const v1::Job& job, uint64_t total_override,
                    absl::Time now);

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
