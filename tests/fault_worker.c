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
 *   fault_worker fork JOB CHILDREN PER_CHILD PARENT_RECORDS
 *       default client; adds half the parent's records, forks CHILDREN
 *       children that add PER_CHILD each (through the job handle taken
 *       before the fork) and exit(0); then adds the other half and flushes.
 *   fault_worker fork-busy JOB CHILDREN PER_CHILD
 *       default client; two threads keep adding and one keeps flushing while
 *       the main thread forks CHILDREN children one after another, each
 *       adding PER_CHILD and exiting; prints EXPECT <total> at the end.
 *   fault_worker fork-explicit JOB
 *       explicit client; adds 5, forks; the child finds the inherited client
 *       refusing with FAILED_PRECONDITION, then reports 7 on a new client.
 *   fault_worker noisy JOB MILLISECONDS
 *       prints "host line N" on stdout every 20 ms while adding, for that
 *       long, then flushes: stdout must hold only those lines.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "progress/client.h"

static progress_job* DefaultJob(const char* name) {
  progress_job* job = NULL;
  if (progress_client_job(progress_default_client(), name, &job) != 0) {
    fprintf(stderr, "fault_worker: %s\n", progress_last_error());
    exit(2);
  }
  return job;
}

static void Say(const char* line) {
  printf("%s\n", line);
  fflush(stdout);
}

static void WaitForSignal(int signal_number) {
  sigset_t set;
  int received = 0;
  sigemptyset(&set);
  sigaddset(&set, signal_number);
  sigwait(&set, &received);
}

static void SleepMillis(long millis) {
  struct timespec pause = {millis / 1000, (millis % 1000) * 1000000L};
  nanosleep(&pause, NULL);
}

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

static int ForkWithDefaultClient(const char* name, int children,
                                 uint64_t per_child, uint64_t parent_records) {
  progress_job* job = DefaultJob(name);
  int i, failed = 0;
  printf("PARENT %s\n", progress_client_id(progress_default_client()));
  fflush(stdout);
  progress_job_add_success(job, parent_records / 2);
  for (i = 0; i < children; ++i) {
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) {
      /* Half through the handle taken before the fork, half through a new
       * lookup: both reach the child's renewed default client. */
      progress_job_add_success(job, per_child / 2);
      progress_job_add_success(DefaultJob(name), per_child - per_child / 2);
      printf("CHILD %s\n", progress_client_id(progress_default_client()));
      fflush(stdout);
      exit(0); /* The exit-time final flush delivers. */
    }
  }
  for (i = 0; i < children; ++i) {
    int status = 0;
    if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      failed = 1;
    }
  }
  progress_job_add_success(job, parent_records - parent_records / 2);
  if (progress_client_flush(progress_default_client(), 20000) != 0) {
    fprintf(stderr, "fault_worker: parent flush: %s\n", progress_last_error());
    return 1;
  }
  Say(failed ? "CHILDREN FAILED" : "FLUSHED");
  return failed;
}

static progress_job* busy_job;
static volatile int busy_stop;
static unsigned long long busy_added[2];

static void* KeepAdding(void* slot) {
  unsigned long long* added = slot;
  while (!busy_stop) {
    progress_job_add_success(busy_job, 1);
    ++*added;
    SleepMillis(0);
  }
  return NULL;
}

static void* KeepFlushing(void* unused) {
  (void)unused;
  while (!busy_stop) progress_client_flush(progress_default_client(), 2000);
  return NULL;
}

static int ForkWhileBusy(const char* name, int children, uint64_t per_child) {
  pthread_t adders[2], flusher;
  int i, failed = 0;
  busy_job = DefaultJob(name);
  pthread_create(&adders[0], NULL, KeepAdding, &busy_added[0]);
  pthread_create(&adders[1], NULL, KeepAdding, &busy_added[1]);
  pthread_create(&flusher, NULL, KeepFlushing, NULL);
  for (i = 0; i < children; ++i) {
    int status = 0;
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) {
      progress_job_add_success(busy_job, per_child);
      exit(0);
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
      fprintf(stderr, "fault_worker: child %d ended with status %x\n", i,
              status);
      failed = 1;
    }
  }
  busy_stop = 1;
  pthread_join(adders[0], NULL);
  pthread_join(adders[1], NULL);
  pthread_join(flusher, NULL);
  if (progress_client_flush(progress_default_client(), 20000) != 0) {
    fprintf(stderr, "fault_worker: parent flush: %s\n", progress_last_error());
    return 1;
  }
  printf("EXPECT %llu\n", busy_added[0] + busy_added[1] +
                              (unsigned long long)children * per_child);
  fflush(stdout);
  return failed;
}

static int ForkWithExplicitClient(const char* name) {
  progress_client* client = NULL;
  progress_job* job = NULL;
  pid_t pid;
  int status = 0;
  if (progress_client_create(NULL, &client) != 0 ||
      progress_client_job(client, name, &job) != 0) {
    return 2;
  }
  progress_job_add_success(job, 5);
  pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    progress_client* fresh = NULL;
    progress_job* fresh_job = NULL;
    int code = progress_client_flush(client, 1000);
    printf("CHILD FLUSH %s: %s\n", progress_status_name(code),
           progress_last_error());
    code = progress_client_job(client, name, &fresh_job);
    printf("CHILD JOB %s\n", progress_status_name(code));
    progress_client_destroy(client); /* Must neither hang nor crash. */
    if (progress_client_create(NULL, &fresh) != 0 ||
        progress_client_job(fresh, name, &fresh_job) != 0) {
      return 2;
    }
    progress_job_add_success(fresh_job, 7);
    code = progress_client_shutdown(fresh, 10000);
    printf("CHILD NEW %s\n", progress_status_name(code));
    fflush(stdout);
    progress_client_destroy(fresh);
    exit(code == 0 ? 0 : 1);
  }
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    Say("CHILD FAILED");
    return 1;
  }
  printf("PARENT FLUSH %s\n",
         progress_status_name(progress_client_flush(client, 20000)));
  fflush(stdout);
  progress_client_destroy(client);
  return 0;
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
  if (argc >= 6 && strcmp(argv[1], "fork") == 0) {
    return ForkWithDefaultClient(argv[2], atoi(argv[3]),
                                 strtoull(argv[4], NULL, 10),
                                 strtoull(argv[5], NULL, 10));
  }
  if (argc >= 5 && strcmp(argv[1], "fork-busy") == 0) {
    return ForkWhileBusy(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
  }
  if (argc >= 3 && strcmp(argv[1], "fork-explicit") == 0) {
    return ForkWithExplicitClient(argv[2]);
  }
  if (argc >= 4 && strcmp(argv[1], "noisy") == 0) {
    return Noisy(argv[2], strtol(argv[3], NULL, 10));
  }
  fprintf(stderr, "usage: see the comment at the top of fault_worker.c\n");
  return 2;
}
