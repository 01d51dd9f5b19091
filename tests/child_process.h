#ifndef PROGRESS_TESTS_CHILD_PROCESS_H_
#define PROGRESS_TESTS_CHILD_PROCESS_H_

// Helpers for tests that run the project's programs as real processes.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

extern char** environ;

namespace progress::testing {

// The output (stdout and stderr) and exit status of a shell command.
struct CommandResult {
  std::string output;
  int exit_code = -1;
};

inline CommandResult RunCommand(const std::string& command) {
  CommandResult run;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    run.output.append(buffer, n);
  }
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A loopback port nothing listens on (bound, then released).
inline int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// Whether a child's stdout is collected together with its stderr, or apart
// (for tests of what a program writes to which stream).
enum class StdoutCapture { kMerged, kSeparate };

// A child process whose stdout and stderr are collected as it runs. Killed
// (SIGKILL) on destruction if still running.
class ChildProcess {
 public:
  // `env` entries ("NAME=value") are added to this process's environment.
  ChildProcess(std::vector<std::string> args, std::vector<std::string> env = {},
               StdoutCapture capture = StdoutCapture::kMerged) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    int stdout_fds[2] = {fds[0], fds[1]};
    if (capture == StdoutCapture::kSeparate) {
      EXPECT_EQ(pipe(stdout_fds), 0);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, stdout_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    if (capture == StdoutCapture::kSeparate) {
      posix_spawn_file_actions_addclose(&actions, stdout_fds[0]);
      posix_spawn_file_actions_addclose(&actions, stdout_fds[1]);
    }
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> environment = std::move(env);
    for (char** entry = environ; *entry != nullptr; ++entry) {
      environment.emplace_back(*entry);
    }
    std::vector<char*> envp;
    for (std::string& entry : environment) envp.push_back(entry.data());
    envp.push_back(nullptr);
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr,
                                    argv.data(), envp.data());
    EXPECT_EQ(spawned, 0) << "cannot run " << args[0];
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (spawned != 0) pid_ = 0;
    {
      absl::MutexLock lock(&mu_);
      open_pipes_ = capture == StdoutCapture::kSeparate ? 2 : 1;
    }
    readers_.emplace_back(&ChildProcess::Collect, this, fds[0], &output_);
    if (capture == StdoutCapture::kSeparate) {
      close(stdout_fds[1]);
      readers_.emplace_back(&ChildProcess::Collect, this, stdout_fds[0],
                            &stdout_);
    }
  }

  ~ChildProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    for (std::thread& reader : readers_) reader.join();
  }

  // The stderr, and the stdout too unless it is captured separately.
  std::string output() const {
    absl::MutexLock lock(&mu_);
    return output_;
  }

  // The stdout when it is captured separately; empty otherwise.
  std::string stdout_output() const {
    absl::MutexLock lock(&mu_);
    return stdout_;
  }

  // True once the output contains `text`; false after `timeout`.
  bool WaitForOutput(const std::string& text,
                     absl::Duration timeout = absl::Seconds(20)) const {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (absl::StrContains(output(), text)) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  pid_t pid() const { return pid_; }

  void Signal(int signal_number) {
    if (pid_ > 0) kill(pid_, signal_number);
  }

  // The exit code, if the process exits normally before the timeout.
  std::optional<int> WaitForExit(absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (pid_ > 0 && absl::Now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        AwaitAllOutput();
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        return std::nullopt;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return std::nullopt;
  }

 private:
  // Appends what arrives on `fd` to `into` until the child closes it.
  void Collect(int fd, std::string* into) {
    char buffer[4096];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
      absl::MutexLock lock(&mu_);
      into->append(buffer, n);
    }
    close(fd);
    absl::MutexLock lock(&mu_);
    --open_pipes_;
  }

  // Once the child has exited, what it wrote last may still be in the pipes:
  // wait until the readers reach their end (bounded, since a grandchild may
  // hold a pipe open).
  void AwaitAllOutput() {
    absl::MutexLock lock(&mu_);
    auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return open_pipes_ == 0;
    };
    mu_.AwaitWithTimeout(absl::Condition(&drained), absl::Seconds(5));
  }

  pid_t pid_ = 0;
  mutable absl::Mutex mu_;
  std::string output_ ABSL_GUARDED_BY(mu_);
  std::string stdout_ ABSL_GUARDED_BY(mu_);
  int open_pipes_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> readers_;
};

// A progressd process on loopback: a free port unless one is given;
// `launcher`, if any, runs it (e.g. setpriv, to run it as another user).
class Daemon {
 public:
  explicit Daemon(std::vector<std::string> extra_flags = {}, int port = 0,
                  std::string binary = PROGRESSD_PATH,
                  std::vector<std::string> launcher = {})
      : port_file_(absl::StrCat(::testing::TempDir(), "/progressd-port-",
                                getpid(), "-", next_id_++)),
        metrics_port_file_(port_file_ + "-metrics") {
    std::remove(port_file_.c_str());
    std::remove(metrics_port_file_.c_str());
    std::vector<std::string> args = {
        binary, absl::StrCat("--listen=127.0.0.1:", port),
        "--port_file=" + port_file_, "--metrics_listen=127.0.0.1:0",
        "--metrics_port_file=" + metrics_port_file_};
    args.insert(args.end(), extra_flags.begin(), extra_flags.end());
    args.insert(args.begin(), launcher.begin(), launcher.end());
    process_.emplace(std::move(args));
    port_ = WaitForPort();
    EXPECT_GT(port_, 0) << "progressd did not start: " << process_->output();
  }

  ~Daemon() {
    std::remove(port_file_.c_str());
    std::remove(metrics_port_file_.c_str());
  }

  int port() const { return port_; }
  // The /metrics port; written before the gRPC port, so known by now.
  int metrics_port() const {
    int port = 0;
    std::ifstream(metrics_port_file_) >> port;
    return port;
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  ChildProcess& process() { return *process_; }

 private:
  int WaitForPort() {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      int port = 0;
      std::ifstream port_stream(port_file_);
      if (port_stream >> port && port > 0) return port;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return 0;
  }

  static inline int next_id_ = 0;
  std::string port_file_;
  std::string metrics_port_file_;
  std::optional<ChildProcess> process_;
  int port_ = 0;
};

}  // namespace progress::testing

#endif  // PROGRESS_TESTS_CHILD_PROCESS_H_
