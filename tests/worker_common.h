/* What the C test workers share: the default client's job, a line on
 * stdout, and short sleeps. */
#ifndef PROGRESS_TESTS_WORKER_COMMON_H_
#define PROGRESS_TESTS_WORKER_COMMON_H_

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "progress/client.h"

static inline progress_job* DefaultJob(const char* name) {
  progress_job* job = NULL;
  if (progress_client_job(progress_default_client(), name, &job) != 0) {
    fprintf(stderr, "worker: %s\n", progress_last_error());
    exit(2);
  }
  return job;
}

static inline void Say(const char* line) {
  printf("%s\n", line);
  fflush(stdout);
}

static inline void WaitForSignal(int signal_number) {
  sigset_t set;
  int received = 0;
  sigemptyset(&set);
  sigaddset(&set, signal_number);
  sigwait(&set, &received);
}

static inline void SleepMillis(long millis) {
  struct timespec pause = {millis / 1000, (millis % 1000) * 1000000L};
  nanosleep(&pause, NULL);
}

static inline double NowMillis(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

#endif /* PROGRESS_TESTS_WORKER_COMMON_H_ */
