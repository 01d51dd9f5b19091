#ifndef PROGRESS_EXAMPLES_BATCH_JOB_WORK_H_
#define PROGRESS_EXAMPLES_BATCH_JOB_WORK_H_

#include <cstdint>

namespace batch_job {

// The work one record stands for: build a 256-byte payload from the record's
// id and hash it `rounds` times. A record fails when its hash falls below
// `failure_rate` of the hash space, so failures are spread evenly and the
// same records fail on every run.
bool ProcessRecord(uint64_t record_id, int rounds, double failure_rate);

}  // namespace batch_job

#endif  // PROGRESS_EXAMPLES_BATCH_JOB_WORK_H_
