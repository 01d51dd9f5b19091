#ifndef PROGRESS_BENCH_BENCH_TARGET_H_
#define PROGRESS_BENCH_BENCH_TARGET_H_

// Which server a mode loads: --backend, --server and the TLS flags.
#include <optional>
#include <string>

#include "channel_security.h"
#include "counter_reader.h"

namespace progress::bench {

struct Target {
  Backend backend = Backend::kProgressd;
  std::string address;  // Empty only when the mode allows it.
  internal::ChannelSecurity security;
};

// Prints what is wrong to stderr and returns nullopt when the flags do not
// name a usable target.
std::optional<Target> TargetFromFlags(bool server_required = true);

}  // namespace progress::bench

#endif  // PROGRESS_BENCH_BENCH_TARGET_H_
