#ifndef PROGRESS_COMMON_PROGRESS_VIEW_H_
#define PROGRESS_COMMON_PROGRESS_VIEW_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

// How a job's progress is shown: the figures and the seed's text lines.
// Shared by progress-reporter and the client library (whose
// progress_format_* functions give the Python ProgressReporter the same
// lines), so the two cannot drift apart.
namespace progress {

// A job as the daemon reports it (GetCounts), free of the wire types so the
// client library's C structs convert to it as easily as the proto does.
struct JobProgress {
  uint64_t success = 0;
  uint64_t failure = 0;
  // 0 when unknown.
  uint64_t expected_total = 0;
  // Unset until the event happened.
  std::optional<absl::Time> first_update;
  std::optional<absl::Time> last_update;
  std::optional<absl::Time> finish;
  // The daemon's records per second over its recent window; 0 when unknown.
  double recent_rate = 0.0;
  bool done = false;
};

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

// The view of `job` at `now`; `total_override` (if non-zero) replaces the
// job's expected total. The view's `job` name is left empty.
ProgressView ViewOfProgress(const JobProgress& job, uint64_t total_override,
                            absl::Time now);

// 49800 -> "49,800".
std::string WithThousands(uint64_t value);

// The user's line:
// "Progress: 49,800/100,000 (49.8%) | success: 49,800 | failure: 0 | "
// "3,658 rec/s | 13.6s elapsed, ETA 7.2s"
// Without a total: "Progress: 49,800 | success: ...", and no ETA.
std::string FormatProgressLine(const ProgressView& view);

// The user's closing block, lines separated by '\n' (none at the end):
// a dashed rule, "Final: ...", "Time: ... | Rate: ...", then `extra_line`
// when not empty, and a closing rule.
std::string FormatFinalBlock(const ProgressView& view,
                             absl::string_view extra_line);

}  // namespace progress

#endif  // PROGRESS_COMMON_PROGRESS_VIEW_H_
