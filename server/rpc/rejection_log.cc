#include "rpc/rejection_log.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

namespace progress {

uint64_t RejectionLog::EndIfOver(Window& window, absl::Time now) {
  if (now - window.start < window_) return 0;
  const uint64_t suppressed = window.suppressed;
  window = Window{now, 0, 0};
  return suppressed;
}

bool RejectionLog::Allow(absl::string_view kind, absl::Time now) {
  uint64_t ended_suppressed = 0;
  bool allowed = false;
  {
    absl::MutexLock lock(&mu_);
    Window& window = windows_[kind];
    ended_suppressed = EndIfOver(window, now);
    if (window.logged < lines_per_window_) {
      ++window.logged;
      allowed = true;
    } else {
      ++window.suppressed;
    }
  }
  if (ended_suppressed > 0) LogSuppressed(kind, ended_suppressed);
  return allowed;
}

uint64_t RejectionLog::ReportSuppressed(absl::Time now) {
  std::vector<std::pair<std::string, uint64_t>> ended;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [kind, window] : windows_) {
      if (window.suppressed == 0) continue;
      const uint64_t suppressed = EndIfOver(window, now);
      if (suppressed > 0) ended.emplace_back(kind, suppressed);
    }
  }
  uint64_t total = 0;
  for (const auto& [kind, count] : ended) {
    LogSuppressed(kind, count);
    total += count;
  }
  return total;
}

void RejectionLog::LogSuppressed(absl::string_view kind, uint64_t count) {
  spdlog::warn("{} more like this suppressed ({})", count, std::string(kind));
}

RejectionLog& RejectionLog::Default() {
  static RejectionLog* const log = new RejectionLog();
  return *log;
}

}  // namespace progress
