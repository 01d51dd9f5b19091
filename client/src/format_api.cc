// The exported progress_format_* functions: progress-reporter's lines (the
// shared common/progress_view code) over the C job info.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "c_api_errors.h"
#include "progress/client.h"
#include "progress_view.h"

namespace {

std::optional<absl::Time> TimeOf(int64_t unix_ns) {
  if (unix_ns == 0) return std::nullopt;
  return absl::FromUnixNanos(unix_ns);
}

progress::ProgressView ViewOf(const progress_job_info& info,
                              uint64_t expected_total, int64_t now_unix_ns) {
  progress::JobProgress job;
  job.success = info.success;
  job.failure = info.failure;
  job.expected_total = info.expected_total;
  job.first_update = TimeOf(info.first_update_time_ns);
  job.last_update = TimeOf(info.last_update_time_ns);
  job.finish = TimeOf(info.finish_time_ns);
  job.recent_rate = info.recent_rate;
  job.done = info.done != 0;
  return progress::ViewOfProgress(job, expected_total,
                                  absl::FromUnixNanos(now_unix_ns));
}

// snprintf's contract for `text`.
int CopyOut(const std::string& text, char* buffer, size_t size) {
  if (size > 0) {
    const size_t copied = std::min(text.size(), size - 1);
    std::memcpy(buffer, text.data(), copied);
    buffer[copied] = '\0';
  }
  return static_cast<int>(text.size());
}

template <typename Format>
int FormatInto(const progress_job_info* info, uint64_t expected_total,
               int64_t now_unix_ns, char* buffer, size_t size,
               Format&& format) {
  if (info == nullptr || (buffer == nullptr && size > 0)) {
    progress::client::SetLastError(
        info == nullptr ? "info is NULL" : "buffer is NULL but size is not 0");
    return -1;
  }
  int length = -1;
  progress::client::Guarded([&]() -> int {
    length = CopyOut(format(ViewOf(*info, expected_total, now_unix_ns)), buffer,
                     size);
    return PROGRESS_OK;
  });
  return length;
}

}  // namespace

int progress_format_progress_line(const progress_job_info* info,
                                  uint64_t expected_total, int64_t now_unix_ns,
                                  char* buffer, size_t size) {
  return FormatInto(info, expected_total, now_unix_ns, buffer, size,
                    [](const progress::ProgressView& view) {
                      return progress::FormatProgressLine(view);
                    });
}

int progress_format_summary(const progress_job_info* info,
                            uint64_t expected_total, int64_t now_unix_ns,
                            char* buffer, size_t size) {
  return FormatInto(info, expected_total, now_unix_ns, buffer, size,
                    [](const progress::ProgressView& view) {
                      return progress::FormatFinalBlock(view, "");
                    });
}
