#ifndef PROGRESS_SERVER_EXIT_CODES_H_
#define PROGRESS_SERVER_EXIT_CODES_H_

namespace progress {

// progressd's exit codes, as its --help and the README list them. 0 is a
// stop by SIGTERM/SIGINT with everything written.
inline constexpr int kExitBadFlags = 2;        // or it cannot serve
inline constexpr int kExitBadStateFile = 3;    // unreadable, damaged, locked
inline constexpr int kExitSnapshotFailed = 4;  // the last snapshot failed

}  // namespace progress

#endif  // PROGRESS_SERVER_EXIT_CODES_H_
