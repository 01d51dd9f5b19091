// A worker that reports through the process-wide default client, says so,
// then sits idle without calling Flush: what Ray's idle-worker kill meets.
//   idle_worker JOB SUCCESS FAILURE
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "progress/client.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: idle_worker JOB SUCCESS FAILURE\n");
    return 2;
  }
  progress::Job job = progress::Client::Default().GetJob(argv[1]);
  const unsigned long long success = std::strtoull(argv[2], nullptr, 10);
  const unsigned long long failure = std::strtoull(argv[3], nullptr, 10);
  for (unsigned long long i = 0; i < success; ++i) job.AddSuccess();
  job.AddFailure(failure);
  std::printf("ADDED\n");
  std::fflush(stdout);
  pause();  // Idle until killed.
  return 0;
}
