/* A worker process for the fault-matrix tests: plain C, linking only
 * libprogress_client, as a user's worker would. Each mode is one situation:
 *
 *   fault_worker idle JOB SUCCESS FAILURE
 *       default client; adds, prints ADDED, then idles until killed.
 *   fault_worker exit JOB SUCCESS FAILURE
 *       default client; adds, prints ADDED, waits for SIGUSR1, then exit(0):
 *       the exit-time final flush must deliver.
 *   fault_worker shutdown JOB SUCCESS FAILURE TIMEOUT_MS
 *       explicit client; adds, prints ADDED, waits for SIGUSR1, then
 *       progress_client_shutdown(TIMEOUT_MS); prints SHUTDOWN CODE MESSAGE and
 *       exits 0 if it returned OK, 3 otherwise.
 *   fault_worker noisy JOB MILLISECONDS
 *       prints "host line N" on stdout every 20 ms while adding, for that
 *       long, then flushes: stdout must hold only those lines.
 * (fork_worker.c has the fork() situations.)
 */

#include "worker_common.h"

static int Idle(const char* name, uint64_t success, uint64_t failure) {
  progress_job* job = DefaultJob(name);
  progress_job_add_success(job, success);
  progress_job_add_failure(job, failure);
  Say("ADDED");
  for (;;) pause();
  return 0;
}

static int ExitAfterSignal(const char* name, uint64_t success,
                           uint64_t failure) {
  progress_job* job = DefaultJob(name);
  progress_job_add_success(job, success);
  progress_job_add_failure(job, failure);
  Say("ADDED");
  WaitForSignal(SIGUSR1);
  exit(0);
}

static int ShutdownAfterSignal(const char* name, uint64_t success,
                               uint64_t failure, long timeout_ms) {
  progress_client_options options;
  progress_client* client = NULL;
  progress_job* job = NULL;
  int code;
  progress_client_options_init(&options);
  options.shutdown_timeout_ms = timeout_ms;
  if (progress_client_create(&options, &client) != 0 ||
      progress_client_job(client, name, &job) != 0) {
    fprintf(stderr, "fault_worker: %s\n", progress_last_error());
    return 2;
  }
  progress_job_add_success(job, success);
  progress_job_add_failure(job, failure);
  Say("ADDED");
  WaitForSignal(SIGUSR1);
  code = progress_client_shutdown(client, timeout_ms);
  printf("SHUTDOWN %s %s\n", progress_status_name(code),
         code == 0 ? "" : progress_last_error());
  fflush(stdout);
  progress_client_destroy(client);
  return code == 0 ? 0 : 3;
}

static int Noisy(const char* name, long millis) {
  progress_job* job = DefaultJob(name);
  long line;
  for (line = 0; line * 20 < millis; ++line) {
    progress_job_add_success(job, 1);
    printf("host line %ld\n", line);
    fflush(stdout);
    SleepMillis(20);
  }
  return progress_client_flush(progress_default_client(), 20000) == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  sigset_t usr1;
  /* Blocked before the library starts any thread, so sigwait gets it. */
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &usr1, NULL);
  if (argc >= 5 && strcmp(argv[1], "idle") == 0) {
    return Idle(argv[2], strtoull(argv[3], NULL, 10),
                strtoull(argv[4], NULL, 10));
  }
  if (argc >= 5 && strcmp(argv[1], "exit") == 0) {
    return ExitAfterSignal(argv[2], strtoull(argv[3], NULL, 10),
                           strtoull(argv[4], NULL, 10));
  }
  if (argc >= 6 && strcmp(argv[1], "shutdown") == 0) {
    return ShutdownAfterSignal(argv[2], strtoull(argv[3], NULL, 10),
                               strtoull(argv[4], NULL, 10),
                               strtol(argv[5], NULL, 10));
  }
  if (argc >= 4 && strcmp(argv[1], "noisy") == 0) {
    return Noisy(argv[2], strtol(argv[3], NULL, 10));
  }
  fprintf(stderr, "usage: see the comment at the top of fault_worker.c\n");
  return 2;
}
