#ifndef PROGRESS_CLIENT_REPORTER_JOB_SUM_H_
#define PROGRESS_CLIENT_REPORTER_JOB_SUM_H_

// Sums what several daemons hold of the same jobs. With one daemon per node,
// a job's workers report to different daemons, and the job's progress is the
// sum over all of them. Plain functions over the answers, no gRPC.
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "progress/v1/progress.pb.h"

namespace progress::reporter {

// What one daemon answered to one poll.
struct DaemonAnswer {
  // The daemon's name in messages (its target).
  std::string daemon;
  // OK when it answered; then `jobs` holds the followed jobs it has. A
  // followed job it does not have is simply absent: workers report to
  // their own node's daemon, so NOT_FOUND on some daemons is normal.
  // Otherwise why it could not be counted (unreachable, an error).
  absl::Status status;
  std::vector<v1::Job> jobs;
};

// A daemon left out of a poll's sums, and why.
struct MissingDaemon {
  std::string daemon;
  absl::Status status;
};

// One poll's jobs, summed over the daemons that answered.
struct PollSum {
  // The followed jobs some daemon has, in the order they were named; when
  // following every job, all jobs any daemon has, in name order.
  std::vector<v1::Job> jobs;
  // Followed jobs that no daemon that answered has (yet).
  std::vector<std::string> waiting_for;
  // The daemons counted, in the order asked.
  std::vector<std::string> answered;
  // The daemons that did not answer: their counts are missing.
  std::vector<MissingDaemon> missing;
  // (daemon, counted one) for a daemon reached twice under two addresses
  // (see SameDaemon); counted once.
  std::vector<std::pair<std::string, std::string>> duplicates;

  // Some daemon's counts are missing, so the sums may be short.
  bool partial() const { return !missing.empty(); }
};

// One job from its records on several daemons: success, failure, clients
// and both rates summed; the expected total is the largest (a driver starts
// the job on one daemon); created and first update the earliest set, last
// update and finish the latest set; done when any daemon has it done (the
// driver finishes it on one daemon once every worker has ended).
v1::Job MergeJob(const std::vector<const v1::Job*>& records);

// Whether two answers came from one daemon reached under two addresses
// (127.0.0.1 and ::1 of a daemon listening on both, or the same daemon named
// twice): they share a job, and every job they share was created at the
// same nanosecond. Two daemons create their records independently, so
// that never happens for two.
bool SameDaemon(const DaemonAnswer& a, const DaemonAnswer& b);

// Sums the answers of one poll. `followed` lists the followed jobs; empty
// means every job. A daemon that is SameDaemon as one counted before it is
// not counted again.
PollSum SumAnswers(const std::vector<DaemonAnswer>& answers,
                   const std::vector<std::string>& followed);

}  // namespace progress::reporter

#endif  // PROGRESS_CLIENT_REPORTER_JOB_SUM_H_
