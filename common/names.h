#ifndef PROGRESS_COMMON_NAMES_H_
#define PROGRESS_COMMON_NAMES_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace progress {

// The characters a job name or client id may hold, as users read it in errors.
inline constexpr absl::string_view kNameCharsetDescription =
    "A-Z a-z 0-9 and . _ : -";

// The longest job name a client accepts; the daemon's own limit is a flag
// (--max_job_name_bytes) with this default.
inline constexpr size_t kDefaultMaxJobNameBytes = 128;

// The longest client id a stream may carry.
inline constexpr size_t kMaxClientIdBytes = 128;

// OK when `name` is 1 to `max_bytes` bytes of kNameCharsetDescription.
// Otherwise INVALID_ARGUMENT naming `what` ("job name", "client id") and the
// rule that was broken. Names end up in logs, label values and file names, so
// the charset is deliberately narrow.
absl::Status ValidateName(absl::string_view what, absl::string_view name,
                          size_t max_bytes);

}  // namespace progress

#endif  // PROGRESS_COMMON_NAMES_H_
