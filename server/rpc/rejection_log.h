#ifndef PROGRESS_SERVER_RPC_REJECTION_LOG_H_
#define PROGRESS_SERVER_RPC_REJECTION_LOG_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace progress {

// Rate limits the daemon's lines about bad input, per kind (say, "Increment
// RESOURCE_EXHAUSTED"): at most `lines_per_window` lines of a kind per
// window; the rest are counted and summed up in one line ("N more like this
// suppressed") once their window is over. A flood of bad streams then costs
// a few lines a second, never a full disk or a write thread waiting on it.
//
// Thread-safe; the lock guards a few integers and is never held while
// logging.
class RejectionLog {
 public:
  explicit RejectionLog(int lines_per_window = 5,
                        absl::Duration window = absl::Seconds(1))
      : lines_per_window_(lines_per_window), window_(window) {}

  RejectionLog(const RejectionLog&) = delete;
  RejectionLog& operator=(const RejectionLog&) = delete;

  // Whether a line of `kind` may be logged now; if not, it is counted as
  // suppressed. May first log the summary of a finished window.
  bool Allow(absl::string_view kind, absl::Time now = absl::Now());

  // Logs the summary of every kind whose window is over and had lines
  // suppressed; called about once a window, so a flood that stops is still
  // summed up. Returns how many lines were suppressed in those windows.
  uint64_t ReportSuppressed(absl::Time now = absl::Now());

  // The one the daemon's calls log through.
  static RejectionLog& Default();

 private:
  struct Window {
    absl::Time start = absl::InfinitePast();
    int logged = 0;
    uint64_t suppressed = 0;
  };

  // Ends `window` if it is over, returning what it suppressed.
  uint64_t EndIfOver(Window& window, absl::Time now);
  static void LogSuppressed(absl::string_view kind, uint64_t count);

  const int lines_per_window_;
  const absl::Duration window_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Window> windows_ ABSL_GUARDED_BY(mu_);
};

}  // namespace progress

#endif  // PROGRESS_SERVER_RPC_REJECTION_LOG_H_
