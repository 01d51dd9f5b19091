/* A worker process for the fork() tests: plain C, linking only
 * libprogress_client, as a user's worker would. Each mode is one situation:
 *
 *   fork_worker fork JOB CHILDREN PER_CHILD PARENT_RECORDS
 *       default client; adds half the parent's records, forks CHILDREN
 *       children that add PER_CHILD each (through the job handle taken
 *       before the fork) and exit(0); then adds the other half and flushes.
 *   fork_worker fork-busy JOB CHILDREN PER_CHILD
 *       default client; two threads keep adding and one keeps flushing while
 *       the main thread forks CHILDREN children one after another, each
 *       adding PER_CHILD and exiting; prints EXPECT <total> at the end.
 *   fork_worker fork-pool JOB ROUNDS CHILDREN PER_CHILD
 *       as fork-busy, but as Python's multiprocessing does: each round forks
 *       CHILDREN children at once, each adds PER_CHILD, flushes, and ends
 *       with _exit() (which skips the exit-time flush).
 *   fork_worker fork-first-use JOB
 *       forks while another thread makes the default client for the first
 *       time; the child then uses it (a hang here is killed by alarm()).
 *   fork_worker fork-explicit JOB
 *       explicit client; adds 5, forks; the child finds the inherited client
 *       refusing with FAILED_PRECONDITION, then reports 7 on a new client.
 */

#include "worker_common.h"

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
    fprintf(stderr, "fork_worker: parent flush: %s\n", progress_last_error());
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
  double fork_ms_total = 0, fork_ms_worst = 0;
  busy_job = DefaultJob(name);
  pthread_create(&adders[0], NULL, KeepAdding, &busy_added[0]);
  pthread_create(&adders[1], NULL, KeepAdding, &busy_added[1]);
  pthread_create(&flusher, NULL, KeepFlushing, NULL);
  for (i = 0; i < children; ++i) {
    int status = 0;
    const double before = NowMillis();
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid > 0) {
      const double took = NowMillis() - before;
      fork_ms_total += took;
      if (took > fork_ms_worst) fork_ms_worst = took;
    }
    if (pid == 0) {
      progress_job_add_success(busy_job, per_child);
      exit(0);
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
      fprintf(stderr, "fork_worker: child %d ended with status %x\n", i,
              status);
      failed = 1;
    }
  }
  busy_stop = 1;
  pthread_join(adders[0], NULL);
  pthread_join(adders[1], NULL);
  pthread_join(flusher, NULL);
  if (progress_client_flush(progress_default_client(), 20000) != 0) {
    fprintf(stderr, "fork_worker: parent flush: %s\n", progress_last_error());
    return 1;
  }
  /* A figure for people, not a pass/fail: what fork() costs the host. */
  printf("FORK fork() took %.1f ms on average, %.1f ms at worst\n",
         fork_ms_total / children, fork_ms_worst);
  printf("EXPECT %llu\n", busy_added[0] + busy_added[1] +
                              (unsigned long long)children * per_child);
  fflush(stdout);
  return failed;
}

static int ForkPoolWhileBusy(const char* name, int rounds, int children,
                             uint64_t per_child) {
  pthread_t adders[2], flusher;
  int round, i, failed = 0;
  busy_job = DefaultJob(name);
  pthread_create(&adders[0], NULL, KeepAdding, &busy_added[0]);
  pthread_create(&adders[1], NULL, KeepAdding, &busy_added[1]);
  pthread_create(&flusher, NULL, KeepFlushing, NULL);
  for (round = 0; round < rounds; ++round) {
    for (i = 0; i < children; ++i) {
      pid_t pid = fork();
      if (pid < 0) return 2;
      if (pid == 0) {
        int code;
        progress_job_add_success(busy_job, per_child);
        code = progress_client_flush(progress_default_client(), 10000);
        if (code != 0) {
          fprintf(stderr, "fork_worker: child flush: %s\n",
                  progress_last_error());
        }
        _exit(code == 0 ? 0 : 3);
      }
    }
    for (i = 0; i < children; ++i) {
      int status = 0;
      if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        failed = 1;
      }
    }
  }
  busy_stop = 1;
  pthread_join(adders[0], NULL);
  pthread_join(adders[1], NULL);
  pthread_join(flusher, NULL);
  if (progress_client_flush(progress_default_client(), 20000) != 0) return 1;
  printf("EXPECT %llu\n",
         busy_added[0] + busy_added[1] +
             (unsigned long long)rounds * children * per_child);
  fflush(stdout);
  return failed;
}

static void* MakeDefaultClient(void* unused) {
  (void)unused;
  progress_default_client();
  return NULL;
}

static int ForkDuringFirstUse(const char* name) {
  pthread_t maker;
  int status = 0;
  pid_t pid;
  pthread_create(&maker, NULL, MakeDefaultClient, NULL);
  pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    alarm(10);
    progress_job_add_success(DefaultJob(name), 1);
    _exit(progress_client_flush(progress_default_client(), 5000) == 0 ? 0 : 3);
  }
  pthread_join(maker, NULL);
  progress_job_add_success(DefaultJob(name), 1);
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    Say("CHILD FAILED");
    return 1;
  }
  return progress_client_flush(progress_default_client(), 10000) == 0 ? 0 : 1;
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

int main(int argc, char** argv) {
  if (argc >= 6 && strcmp(argv[1], "fork") == 0) {
    return ForkWithDefaultClient(argv[2], atoi(argv[3]),
                                 strtoull(argv[4], NULL, 10),
                                 strtoull(argv[5], NULL, 10));
  }
  if (argc >= 5 && strcmp(argv[1], "fork-busy") == 0) {
    return ForkWhileBusy(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
  }
  if (argc >= 6 && strcmp(argv[1], "fork-pool") == 0) {
    return ForkPoolWhileBusy(argv[2], atoi(argv[3]), atoi(argv[4]),
                             strtoull(argv[5], NULL, 10));
  }
  if (argc >= 3 && strcmp(argv[1], "fork-first-use") == 0) {
    return ForkDuringFirstUse(argv[2]);
  }
  if (argc >= 3 && strcmp(argv[1], "fork-explicit") == 0) {
    return ForkWithExplicitClient(argv[2]);
  }
  fprintf(stderr, "usage: see the comment at the top of fork_worker.c\n");
  return 2;
}
