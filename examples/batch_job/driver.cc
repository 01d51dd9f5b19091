// batch_job_driver: starts a job with an expected total, runs W worker
// processes over disjoint record ranges, then checks that the daemon's counts
// equal exactly what the workers say they processed, and finishes the job.
// Exits 0 only on an exact match.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "progress/client.hpp"

extern char** environ;

ABSL_FLAG(std::string, job, "", "Job name; empty: batch-job-<unix time>.");
ABSL_FLAG(uint64_t, records, 100000, "Records in the whole job.");
ABSL_FLAG(int, workers, 4, "Worker processes.");
ABSL_FLAG(uint64_t, batch_size, 500, "Records per batch.");
ABSL_FLAG(double, failure_rate, 0.02, "Fraction of records that fail.");
ABSL_FLAG(int, rounds, 400, "Hash rounds per record: the work per record.");
ABSL_FLAG(std::string, server, "",
          "progressd address; empty: $PROGRESS_TRACKER_ADDRESS, else "
          "127.0.0.1:50051. Passed on to the workers.");
ABSL_FLAG(std::string, worker_binary, "",
          "Path of batch_job_worker; empty: beside this program.");

namespace {

struct Worker {
  pid_t pid = 0;
  int output = -1;  // Read end of the worker's stdout.
  uint64_t success = 0;
  uint64_t failure = 0;
  bool reported = false;
};

std::string BesideThisProgram(const std::string& name) {
  std::string self(4096, '\0');
  const ssize_t length = readlink("/proc/self/exe", self.data(), self.size());
  if (length <= 0) return name;
  self.resize(length);
  return self.substr(0, self.rfind('/') + 1) + name;
}

// Starts a worker with spawn-and-exec: a forked copy of a process whose gRPC
// threads are running is not safe to use.
bool Spawn(const std::string& binary, const std::vector<std::string>& args,
           Worker* worker) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  std::vector<char*> argv;
  std::vector<std::string> owned = args;
  owned.insert(owned.begin(), binary);
  for (std::string& arg : owned) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int spawned = posix_spawn(&worker->pid, binary.c_str(), &actions,
                                  nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawned != 0) {
    close(pipe_fds[0]);
    return false;
  }
  worker->output = pipe_fds[0];
  return true;
}

void Collect(Worker* worker) {
  std::string output;
  char buffer[512];
  ssize_t n;
  while ((n = read(worker->output, buffer, sizeof buffer)) > 0) {
    output.append(buffer, n);
  }
  close(worker->output);
  int status = 0;
  waitpid(worker->pid, &status, 0);
  unsigned long long success = 0, failure = 0;
  const size_t at = output.rfind("RESULT ");
  worker->reported = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                     at != std::string::npos &&
                     std::sscanf(output.c_str() + at, "RESULT %llu %llu",
                                 &success, &failure) == 2;
  worker->success = success;
  worker->failure = failure;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "runs a demo batch job over worker processes that report to progressd, "
      "and checks the daemon's counts are exact.");
  absl::ParseCommandLine(argc, argv);
  std::string job = absl::GetFlag(FLAGS_job);
  if (job.empty())
    job = absl::StrCat("batch-job-", absl::ToUnixSeconds(absl::Now()));
  const uint64_t records = absl::GetFlag(FLAGS_records);
  const int worker_count = std::max(1, absl::GetFlag(FLAGS_workers));
  std::string binary = absl::GetFlag(FLAGS_worker_binary);
  if (binary.empty()) binary = BesideThisProgram("batch_job_worker");
  if (const std::string server = absl::GetFlag(FLAGS_server); !server.empty()) {
    setenv("PROGRESS_TRACKER_ADDRESS", server.c_str(), 1);
  }

  progress::Client client;
  if (progress::Status started = client.StartJob(job, records); !started.ok()) {
    std::fprintf(stderr, "driver: cannot start job '%s' at %s: %s\n",
                 job.c_str(), client.target().c_str(),
                 started.ToString().c_str());
    return 1;
  }
  std::printf("driver: job '%s': %llu records over %d workers, daemon %s\n",
              job.c_str(), static_cast<unsigned long long>(records),
              worker_count, client.target().c_str());
  std::fflush(stdout);

  std::vector<Worker> workers(worker_count);
  uint64_t next = 0;
  for (int w = 0; w < worker_count; ++w) {
    const uint64_t count =
        records / worker_count + (w < static_cast<int>(records % worker_count));
    const std::vector<std::string> args = {
        "--job=" + job,
        absl::StrCat("--first=", next),
        absl::StrCat("--count=", count),
        absl::StrCat("--batch_size=", absl::GetFlag(FLAGS_batch_size)),
        absl::StrCat("--failure_rate=", absl::GetFlag(FLAGS_failure_rate)),
        absl::StrCat("--rounds=", absl::GetFlag(FLAGS_rounds))};
    next += count;
    if (!Spawn(binary, args, &workers[w])) {
      std::fprintf(stderr, "driver: cannot run %s\n", binary.c_str());
      return 1;
    }
  }

  uint64_t success = 0, failure = 0;
  bool all_reported = true;
  for (Worker& worker : workers) {
    Collect(&worker);
    all_reported = all_reported && worker.reported;
    success += worker.success;
    failure += worker.failure;
  }

  progress::JobInfo info{};
  const progress::Status read = client.GetCounts(job, &info);
  const progress::Status finished = client.FinishJob(job);
  const bool exact = all_reported && read.ok() && info.success == success &&
                     info.failure == failure && success + failure == records;
  std::printf(
      "driver: workers processed %llu success + %llu failure = %llu; daemon "
      "holds %llu + %llu: %s\n",
      static_cast<unsigned long long>(success),
      static_cast<unsigned long long>(failure),
      static_cast<unsigned long long>(success + failure),
      static_cast<unsigned long long>(info.success),
      static_cast<unsigned long long>(info.failure),
      exact ? "exact" : "MISMATCH");
  if (!all_reported) std::fprintf(stderr, "driver: a worker failed\n");
  if (!read.ok()) std::fprintf(stderr, "driver: %s\n", read.ToString().c_str());
  if (!finished.ok()) {
    std::fprintf(stderr, "driver: finish: %s\n", finished.ToString().c_str());
  }
  return exact && finished.ok() ? 0 : 1;
}
