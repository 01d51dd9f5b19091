#ifndef PROGRESS_CLIENT_REPORTER_EXIT_CODES_H_
#define PROGRESS_CLIENT_REPORTER_EXIT_CODES_H_

namespace progress::reporter {

// Exit codes of progress-reporter, polling or with --check. Scripts and
// probes tell outcomes apart by them, so a value never changes meaning.
enum ExitCode : int {
  kExitOk = 0,
  // A daemon answered with an error other than being unreachable (it is not
  // progressd, refused the reporter, or failed); with --check, anything but
  // SERVING and NOT_SERVING (e.g. no health service).
  kExitDaemonError = 1,
  kExitUsage = 2,        // Bad flags or job name.
  kExitUnreachable = 3,  // A daemon not reached within --connect_timeout.
  kExitJobFailures = 4,  // With --fail_on_failures: a job had failures.
  // With until_done: stopped by a signal before every job was complete.
  kExitInterrupted = 5,
  // With --check: a daemon answered NOT_SERVING (it is shutting down).
  kExitNotServing = 6,
};

}  // namespace progress::reporter

#endif  // PROGRESS_CLIENT_REPORTER_EXIT_CODES_H_
