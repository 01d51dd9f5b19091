#include "replica/read_server_process.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "stop_signals.h"

extern char** environ;

namespace progress {
namespace {

// Where the child finds the region.
constexpr int kRegionFd = 3;

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exited ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return absl::StrCat("killed by ", strsignal(WTERMSIG(status)));
  }
  return "ended";
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReadServerProcess>> ReadServerProcess::Spawn(
    const std::vector<std::string>& args, const std::string& listen,
    const SnapshotRegion& region) {
  std::vector<std::string> argv = {"progressd"};
  argv.insert(argv.end(), args.begin(), args.end());
  // Abseil keeps a flag's last value, so these override the originals.
  argv.push_back(absl::StrCat("--read_listen=", listen));
  argv.push_back(absl::StrCat("--read_server_fd=", kRegionFd));
  std::vector<char*> raw;
  for (std::string& arg : argv) raw.push_back(arg.data());
  raw.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 onto another number clears close-on-exec for the copy only.
  posix_spawn_file_actions_adddup2(&actions, region.fd(), kRegionFd);
  pid_t pid = 0;
  const int error = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr,
                                raw.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    return absl::InternalError(absl::StrCat(
        "cannot start the read server process: ", std::strerror(error)));
  }
  return std::unique_ptr<ReadServerProcess>(new ReadServerProcess(pid));
}

ReadServerProcess::~ReadServerProcess() {
  if (reaped_) return;
  kill(pid_, kReadServerStopSignal);
  const absl::Time deadline = absl::Now() + absl::Seconds(2);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      return;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
}

bool ReadServerProcess::Running(std::string* how_it_ended) {
  if (reaped_) {
    *how_it_ended = "ended earlier";  // A restart of it failed to start.
    return false;
  }
  int status = 0;
  const pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == 0) return true;
  reaped_ = true;
  *how_it_ended = done == pid_
                      ? DescribeExit(status)
                      : absl::StrCat("lost (", std::strerror(errno), ")");
  return false;
}

absl::StatusOr<int> WaitForReadServerPort(const SnapshotRegion& region,
                                          ReadServerProcess& process,
                                          absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string how_it_ended;
  while (region.port() == 0) {
    if (!process.Running(&how_it_ended)) {
      return absl::UnavailableError(
          absl::StrCat("the read server process ", how_it_ended,
                       " before it listened (see its message above)"));
    }
    if (absl::Now() > deadline) {
      return absl::UnavailableError(
          absl::StrCat("the read server did not listen within ",
                       absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return region.port();
}

}  // namespace progress
