#ifndef PROGRESS_CLIENT_SRC_LIBRARY_LOGGER_H_
#define PROGRESS_CLIENT_SRC_LIBRARY_LOGGER_H_

#include <spdlog/logger.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace progress::client {

// The library's own logger: it writes to stderr and is never registered with
// spdlog, so the host's default logger, its sinks and its stdout stay
// untouched. Its level starts from $PROGRESS_TRACKER_LOG_LEVEL (default info).
spdlog::logger& Log();

// Sets the level by name: trace, debug, info, warn, error, critical or off.
// INVALID_ARGUMENT for any other name.
absl::Status SetLogLevel(absl::string_view level);

}  // namespace progress::client

#endif  // PROGRESS_CLIENT_SRC_LIBRARY_LOGGER_H_
