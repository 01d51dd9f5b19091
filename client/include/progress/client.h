/* progress-tracker client: the C interface of libprogress_client.
 *
 * Workers report successes and failures per job; a background thread sends the
 * client's cumulative counts to progressd every flush interval. Reporting costs
 * one relaxed atomic add: no lock, no allocation, no system call, no blocking.
 *
 * The interface is C (opaque handles, const char*, integers, status codes) so
 * the library can be linked from code built with any C++ standard library ABI
 * (e.g. -D_GLIBCXX_USE_CXX11_ABI=0) and beside another copy of gRPC or
 * Protobuf. C++ users include <progress/client.hpp>, a header-only wrapper.
 *
 * Status codes are gRPC's canonical codes (PROGRESS_OK is 0). After a call on a
 * thread returns a non-zero code, progress_last_error() on that thread says
 * why.
 *
 * Delivery. While a client holds counts it keeps an Increment stream open
 * to progressd; an idle one sends an empty message every second, so a
 * restarted daemon is noticed within about a second and gets every job's
 * cumulative counts again (connecting again within about 1.2 s of the
 * daemon's return). Jobs the daemon has confirmed and that stayed unchanged
 * for a while are the exception: the client forgets them (see
 * forget_after_ms), and holds no stream for them. Counts are cumulative, so
 * nothing is counted twice.
 *
 * The library is a guest in its process: it never writes to stdout, never
 * touches the host's spdlog default logger or signal handlers, and logs to
 * stderr through a logger of its own, at the level in
 * $PROGRESS_TRACKER_LOG_LEVEL (trace, debug, info (default), warn, error,
 * critical, off) or set by progress_set_log_level().
 *
 * TLS. With TLS options (or the PROGRESS_TRACKER_TLS* environment variables,
 * see progress_client_options) the client speaks TLS to the daemon, and
 * mTLS with a client certificate. A failed handshake (unknown CA, expired
 * or wrong-host certificate, a plaintext daemon) shows in the status of
 * flush and driver calls as UNAVAILABLE, with gRPC's reason and the TLS
 * setup tried ("... (127.0.0.1:50051 over TLS with CA file /etc/ca.pem)").
 *
 * fork(). The library handles fork() itself (pthread_atfork): before the
 * fork every client stops its calls and closes its connection, so no gRPC
 * state is live; afterwards the parent's clients reconnect and resend. In
 * the child:
 *   - the default client (progress_default_client()) is renewed: a fresh
 *     client id and its own flusher thread, over the same progress_job
 *     handles, which now count only the child's records (from zero);
 *   - a client made with progress_client_create() before the fork is
 *     "inherited": every call on it returns FAILED_PRECONDITION ("created
 *     before fork"); adds on its jobs are counted locally but never sent.
 *     progress_client_destroy() on it frees only the handle. Create a new
 *     client in the child instead.
 * A child that ends with _exit() (Python's multiprocessing does) skips the
 * exit-time flush: call progress_client_flush() before it.
 * Making the first client also turns off Abseil's deadlock detection for
 * the process (Debian's Abseil has it on; its global lock can be held
 * across a fork and hang the child), as release builds of Abseil do, and
 * has Abseil set up its lazily made locking state before any fork.
 */
#ifndef PROGRESS_CLIENT_H_
#define PROGRESS_CLIENT_H_

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define PROGRESS_API __attribute__((visibility("default")))
#else
#define PROGRESS_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

enum progress_status_code {
  PROGRESS_OK = 0,
  PROGRESS_CANCELLED = 1,
  PROGRESS_UNKNOWN = 2,
  PROGRESS_INVALID_ARGUMENT = 3,
  PROGRESS_DEADLINE_EXCEEDED = 4,
  PROGRESS_NOT_FOUND = 5,
  PROGRESS_ALREADY_EXISTS = 6,
  PROGRESS_PERMISSION_DENIED = 7,
  PROGRESS_RESOURCE_EXHAUSTED = 8,
  PROGRESS_FAILED_PRECONDITION = 9,
  PROGRESS_ABORTED = 10,
  PROGRESS_OUT_OF_RANGE = 11,
  PROGRESS_UNIMPLEMENTED = 12,
  PROGRESS_INTERNAL = 13,
  PROGRESS_UNAVAILABLE = 14,
  PROGRESS_DATA_LOSS = 15,
  PROGRESS_UNAUTHENTICATED = 16
};

/* A connection to one daemon, with one background flusher thread. */
typedef struct progress_client progress_client;
/* One job's counters on one client. Owned by the client; valid until the
 * client is destroyed. */
typedef struct progress_job progress_job;

typedef struct progress_client_options {
  /* host:port of progressd. NULL or "": $PROGRESS_TRACKER_ADDRESS, else
   * 127.0.0.1:50051. */
  const char* target;
  /* This client's id. NULL or "": a random one (the usual choice: one id per
   * process lifetime). */
  const char* client_id;
  /* How often changed counts are sent. <= 0: 100 ms. */
  int64_t flush_interval_ms;
  /* How long destroy/shutdown (and, for the default client, process exit)
   * may spend on the final flush. <= 0: 2000 ms. */
  int64_t shutdown_timeout_ms;

  /* TLS (appended to the struct; the library is 0.x, so code built against
   * an older header must be rebuilt). Each NULL/"" or 0 field falls back to
   * its environment variable, as `target` does. TLS is on when `tls` is set
   * or a CA or certificate file is given; files are read when the client
   * is made, and one that cannot be read fails progress_client_create()
   * with INVALID_ARGUMENT naming it. */
  /* PEM CA certificate(s) the daemon's certificate must be signed by.
   * $PROGRESS_TRACKER_TLS_CA; none: gRPC's default root certificates. */
  const char* tls_ca_file;
  /* PEM client certificate (chain) and its key, for a daemon that requires
   * client certificates (mTLS). Both or neither.
   * $PROGRESS_TRACKER_TLS_CERT and $PROGRESS_TRACKER_TLS_KEY. */
  const char* tls_cert_file;
  const char* tls_key_file;
  /* The name the daemon's certificate must carry, when it is not the
   * target's host (e.g. the target is an IP address or a Kubernetes service
   * alias). $PROGRESS_TRACKER_TLS_SERVER_NAME. */
  const char* tls_server_name;
  /* 1: TLS even without a CA file, trusting gRPC's default roots.
   * 0: $PROGRESS_TRACKER_TLS (1/true/yes or 0/false/no); an explicit 0
   * there means plaintext and ignores the TLS file variables. */
  int tls;

  /* (Appended after the TLS fields, likewise.) How long a job must stay
   * unchanged, with its counts confirmed by the daemon, before the client
   * forgets it: it is no longer sent after a reconnect or in the final
   * flush, so a long-lived worker does not resend every job it ever saw.
   * Its counts are kept; once it changes it is sent again, whole, and the
   * daemon (which still holds, or keeps a tombstone of, this client's value
   * for it) adds only the difference. The tombstone lasts the daemon's
   * --tombstone_ttl (7 days by default): a job that changes again after
   * longer than that without being named counts its earlier values twice.
   * <= 0: 600000 (10 minutes, the daemon's default --client_ttl). */
  int64_t forget_after_ms;
} progress_client_options;

/* A job as the daemon sums it over all clients. Times are Unix nanoseconds,
 * 0 when not yet set. */
typedef struct progress_job_info {
  uint64_t success;
  uint64_t failure;
  uint64_t expected_total; /* 0 = unknown */
  int64_t created_time_ns;
  int64_t first_update_time_ns;
  int64_t last_update_time_ns;
  int64_t finish_time_ns;
  double average_rate; /* records/s since the first update */
  double recent_rate;  /* records/s over the daemon's rate window */
  uint32_t clients;
  int done; /* 1 once FinishJob was called */
} progress_job_info;

/* Fills `options` with the defaults (all zero / NULL). */
PROGRESS_API void progress_client_options_init(
    progress_client_options* options);

/* Creates a client; `options` may be NULL. Connecting is lazy, so a missing
 * daemon is not an error here. INVALID_ARGUMENT for a malformed client id,
 * or TLS settings that cannot be used (the message names the file). */
PROGRESS_API int progress_client_create(const progress_client_options* options,
                                        progress_client** out);

/* Shuts down (final flush bounded by shutdown_timeout_ms, see
 * progress_client_shutdown) and frees. */
PROGRESS_API void progress_client_destroy(progress_client* client);

/* The process-wide client, made on first use from $PROGRESS_TRACKER_ADDRESS
 * and the PROGRESS_TRACKER_TLS* variables, for code that runs many tasks in
 * one long-lived process (e.g. a Ray worker). If those TLS settings cannot
 * be used (a file cannot be read), it says so once on stderr and every call
 * on it fails with FAILED_PRECONDITION and that message. It does a final flush
 * at normal process exit (exit() or return from main; not _exit() or a signal),
 * and says on stderr what was not confirmed if that fails; never destroy it. In
 * a forked child it is renewed (see fork() above). */
PROGRESS_API progress_client* progress_default_client(void);

PROGRESS_API const char* progress_client_id(const progress_client* client);
PROGRESS_API const char* progress_client_target(const progress_client* client);

/* The handle of job `name` on this client, made on first use (may allocate
 * once). INVALID_ARGUMENT unless `name` is 1-128 bytes of A-Z a-z 0-9 . _ : -
 * Look the handle up once and keep it: this call takes a lock. */
PROGRESS_API int progress_client_job(progress_client* client, const char* name,
                                     progress_job** out);

/* The hot path: thread-safe, lock-free, never blocks, never fails. A NULL job
 * is ignored. */
PROGRESS_API void progress_job_add_success(progress_job* job, uint64_t n);
PROGRESS_API void progress_job_add_failure(progress_job* job, uint64_t n);

/* What this client has counted for the job so far (not what was sent). */
PROGRESS_API void progress_job_local_counts(const progress_job* job,
                                            uint64_t* success,
                                            uint64_t* failure);

/* Returns PROGRESS_OK once the daemon has confirmed it holds every count this
 * thread added before the call. DEADLINE_EXCEEDED if that did not happen
 * within timeout_ms (the message says why, e.g. the daemon is unreachable);
 * counting goes on and a later flush will deliver. If the daemon refused a
 * job for good (a name or value it does not accept, a limit), the first
 * flush after that returns the daemon's code naming the job; later flushes
 * cover the other jobs only. FAILED_PRECONDITION for a client inherited
 * across fork() or shut down. */
PROGRESS_API int progress_client_flush(progress_client* client,
                                       int64_t timeout_ms);

/* The final flush, then stops the flusher. It keeps trying (waiting for the
 * daemon to be reachable) until timeout_ms has passed, and gives up only
 * then: the code is the last error's and the message says how many records
 * were not confirmed and may be lost (also logged to stderr). It sends every
 * job's counts (the forgotten ones aside) marked as the client's last, so
 * the daemon can free what it keeps of the client at once. A client with no
 * counts to send returns OK at once, without connecting. Later adds are
 * counted locally but never sent. Idempotent: later calls return the first
 * call's result. */
PROGRESS_API int progress_client_shutdown(progress_client* client,
                                          int64_t timeout_ms);

/* Driver calls, synchronous with a deadline. */
PROGRESS_API int progress_client_start_job(progress_client* client,
                                           const char* name,
                                           uint64_t expected_total,
                                           int64_t timeout_ms);
PROGRESS_API int progress_client_finish_job(progress_client* client,
                                            const char* name,
                                            int64_t timeout_ms);
PROGRESS_API int progress_client_get_counts(progress_client* client,
                                            const char* name,
                                            int64_t timeout_ms,
                                            progress_job_info* out);

/* progress-reporter's text for a job, for clients that show progress
 * themselves (the Python ProgressReporter does): the same code makes both,
 * so they read the same. `info` is what progress_client_get_counts()
 * filled in, `expected_total` (if non-zero) replaces its expected total,
 * and `now_unix_ns` is the time the figures are shown at (the clock of a
 * running job stops at its finish, or at its last update once its total is
 * reached).
 *
 * Like snprintf: writes at most `size` bytes, the text cut short if need
 * be, always NUL-terminated when size > 0, and returns the length of the
 * whole text (without the NUL), so a call with a NULL buffer and size 0
 * measures it. -1 (and INVALID_ARGUMENT in progress_last_error()) when
 * `info` is NULL, or `buffer` is NULL with a non-zero size. */

/* "Progress: 49,800/100,000 (49.8%) | success: 49,800 | failure: 0 |
 * 3,658 rec/s | 13.6s elapsed, ETA 13.7s"; without a total no "/total
 * (percent)" and no ETA. */
PROGRESS_API int progress_format_progress_line(const progress_job_info* info,
                                               uint64_t expected_total,
                                               int64_t now_unix_ns,
                                               char* buffer, size_t size);

/* The closing block, four lines separated by '\n' (no newline at the
 * end): a dashed rule, "Final: 100,000 total | 100,000 success | 0
 * failure", "Time: 14.0s | Rate: 7,148 rec/s", a dashed rule. */
PROGRESS_API int progress_format_summary(const progress_job_info* info,
                                         uint64_t expected_total,
                                         int64_t now_unix_ns, char* buffer,
                                         size_t size);

/* Sets the level of the library's own stderr logger: "trace", "debug",
 * "info", "warn", "error", "critical" or "off". INVALID_ARGUMENT otherwise. */
PROGRESS_API int progress_set_log_level(const char* level);

/* The message of this thread's last failed call ("" if none). Valid until the
 * thread's next call into the library. */
PROGRESS_API const char* progress_last_error(void);

/* "OK", "UNAVAILABLE", ... for a status code. */
PROGRESS_API const char* progress_status_name(int code);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PROGRESS_CLIENT_H_ */
