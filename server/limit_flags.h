#ifndef PROGRESS_SERVER_LIMIT_FLAGS_H_
#define PROGRESS_SERVER_LIMIT_FLAGS_H_

#include "absl/status/statusor.h"
#include "rpc/stream_limits.h"

namespace progress {

// The flags that bound what clients can make progressd hold (streams,
// entries per message, idle streams and connections), checked.
// INVALID_ARGUMENT naming the flag when one is out of range.
absl::StatusOr<StreamLimits> StreamLimitsFromFlags();

}  // namespace progress

#endif  // PROGRESS_SERVER_LIMIT_FLAGS_H_
