#ifndef PROGRESS_SERVER_WEB_JOBS_API_H_
#define PROGRESS_SERVER_WEB_JOBS_API_H_

#include "http/http_server.h"
#include "registry/job_registry.h"

namespace progress {

// Where the JSON API lives; a job is at kJobsApiPath + "/" + its name.
inline constexpr char kJobsApiPath[] = "/api/v1/jobs";

// The JSON API, for scripts and for the web page:
//
// GET /api/v1/jobs[?page_size=N&page_token=T&filter=S&order=name|active
//                  &history=1]
//   {"jobs": [Job...], "nextPageToken": "...", "totalSize": N,
//    "activeSize": M, "serverTime": "..."}: ListJobs' fields, paged the
//   same way (100 jobs by default, at most 1000), plus how many jobs match
//   `filter` (a part of the name) in all and how many of them are not
//   done, and the server's clock. `order=active` lists the jobs not done
//   first; a job that finishes while a client pages through them moves to
//   the done ones and may be listed twice, never skipped.
// GET /api/v1/jobs/NAME[?history=1]
//   {"job": Job}: GetCounts' response.
//
// A Job is progress.v1.Job in proto3 JSON (lowerCamel names, 64-bit counts
// as strings, every scalar printed even when 0). With history=1 it also
// has "rateHistory": {"stepSeconds", "endTime", "recordsPerSecond": [...]},
// the job's records/s over the last minutes, oldest first.
//
// Errors are {"error": {"code", "status", "message"}}: 400 for a bad name,
// filter, page token or parameter, 404 for an unknown job.
HttpResponse ServeJobsApi(const JobRegistry& registry,
                          const HttpRequest& request);

}  // namespace progress

#endif  // PROGRESS_SERVER_WEB_JOBS_API_H_
