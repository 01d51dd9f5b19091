#include "fork_handlers.h"

#include <grpc/grpc.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "fork_safe_clock.h"

namespace progress::client {
namespace {

struct ForkState {
  // Held by a ScopedForkBlock, and by a fork from its prepare handler until
  // its parent or child handler.
  absl::Mutex gate;
  absl::Mutex mu;
  // gRPC was in use by someone else before our first channel.
  std::atomic<bool> grpc_shared_with_host{false};
  std::atomic<bool> handlers_installed{false};
  std::vector<ForkParticipant*> participants ABSL_GUARDED_BY(mu);
  void (*renew)(bool) ABSL_GUARDED_BY(mu) = nullptr;
  bool grpc_live_at_fork ABSL_GUARDED_BY(mu) = false;
};

// Dropping the last channel shuts gRPC down, but its channels and sockets
// are taken apart on gRPC's own threads: wait for that to end. If gRPC is
// still up after this, someone else in the process holds it.
constexpr absl::Duration kGrpcShutdownWait = absl::Milliseconds(250);

constexpr char kPollStrategyEnv[] = "GRPC_POLL_STRATEGY";

// True when thread `tid` of this process sleeps (blocked in the kernel).
bool Sleeping(pid_t tid) {
  if (tid == 0) return false;
  std::ifstream stat(absl::StrCat("/proc/self/task/", tid, "/stat"));
  std::string line;
  if (!std::getline(stat, line)) return false;
  // "tid (comm) S ...": the state follows the last ')'.
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() &&
         line[paren + 2] == 'S';
}

bool GrpcShutDownWithin(absl::Duration wait) {
  const absl::Time deadline = Now() + wait;
  // grpc_is_initialized() turns false only once the clean-up is complete.
  while (grpc_is_initialized() != 0) {
    if (Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

// Made when the library is loaded, not on first use: a function-local
// static's guard, held by a thread making it while another thread forks,
// stays held for good in the child, whose first State() then waits forever.
// Never destroyed: a fork may come after static destructors began.
ForkState* const fork_state = new ForkState;

ForkState& State() { return *fork_state; }

// The lock is held from before the fork until after it, in both processes,
// so no client is added or removed while one is being forked.
void BeforeFork() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  ForkState& state = State();
  state.gate.Lock();
  state.mu.Lock();
  for (ForkParticipant* participant : state.participants) {
    participant->PrepareFork();
  }
  // With the host holding gRPC, waiting for it to shut down is futile.
  state.grpc_live_at_fork = state.grpc_shared_with_host.load() ||
                            !GrpcShutDownWithin(kGrpcShutdownWait);
}

void AfterForkInParent() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  ForkState& state = State();
  for (ForkParticipant* participant : state.participants)
    participant->ResumeAfterForkInParent();
  state.mu.Unlock();
  state.gate.Unlock();
}

void AfterForkInChild() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  ForkState& state = State();
  for (ForkParticipant* participant : state.participants)
    participant->MarkInheritedInChild();
  state.participants.clear();
  void (*renew)(bool) = state.renew;
  const bool grpc_usable = !state.grpc_live_at_fork;
  state.mu.Unlock();
  state.gate.Unlock();
  if (renew != nullptr) renew(grpc_usable);
}

// Abseil sets up some process-wide values on first need, under a once-flag:
// the spin counts the first contended mutex lock reads (and the CPU count
// they come from). A fork while another thread is inside that set-up leaves
// the child waiting for it for good (the first contended lock in a process
// often comes during our own fork preparation). So contend for a mutex
// once, before any fork: a second thread blocks on one held here, which
// takes it through the contended path and the set-up.
void WarmAbseilLocking() {
  absl::Mutex mu;
  std::atomic<pid_t> waiter{0};
  mu.Lock();
  std::thread contender([&] {
    waiter.store(static_cast<pid_t>(syscall(SYS_gettid)));
    mu.Lock();
    mu.Unlock();
  });
  // Until the contender sleeps in the kernel (state S), i.e. it got past
  // the spinning; bounded, as a busy machine may not schedule it at once.
  const absl::Time deadline = Now() + absl::Milliseconds(200);
  while (Now() < deadline && !Sleeping(waiter.load())) {
    absl::SleepFor(absl::Microseconds(100));
  }
  mu.Unlock();
  contender.join();
}

void InstallHandlers() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    // Debian builds Abseil without NDEBUG, so every absl::Mutex lock (ours,
    // and gRPC's) checks for deadlock cycles under one process-wide spin
    // lock. A fork while another thread holds it leaves it held for good in
    // the child, whose next lock then spins forever (about 1 fork in 30
    // under load). Release builds of Abseil never check; neither do we.
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
    // Handlers first, and the warm-up with forks held off: a fork during
    // it (another thread's, as the host's main thread forks while a thread
    // makes the default client) would leave its set-up half done in the
    // child, the very hang the warm-up is for.
    // Once per process image: a child forked before this once-flag was
    // marked done runs the set-up again, but inherits the handlers.
    if (!State().handlers_installed.exchange(true)) {
      pthread_atfork(&BeforeFork, &AfterForkInParent, &AfterForkInChild);
    }
    absl::MutexLock no_fork(&State().gate);
    try {
      WarmAbseilLocking();
    } catch (const std::system_error&) {
      // No thread to spare (a process limit): forks only lose this guard.
    }
  });
}

}  // namespace

ScopedForkBlock::ScopedForkBlock() {
  InstallHandlers();
  State().gate.Lock();
}

ScopedForkBlock::~ScopedForkBlock() { State().gate.Unlock(); }

void RegisterForFork(ForkParticipant* participant) {
  InstallHandlers();
  ForkState& state = State();
  absl::MutexLock lock(&state.mu);
  state.participants.push_back(participant);
}

void UnregisterForFork(ForkParticipant* participant) {
  ForkState& state = State();
  absl::MutexLock lock(&state.mu);
  state.participants.erase(std::remove(state.participants.begin(),
                                       state.participants.end(), participant),
                           state.participants.end());
}

void PrepareGrpcForFork() {
  static std::once_flag prepared;
  std::call_once(prepared, [] {
    if (grpc_is_initialized() != 0) {
      State().grpc_shared_with_host.store(true);
      return;
    }
    if (std::getenv(kPollStrategyEnv) != nullptr) return;  // The user's.
    // The environment is how gRPC 1.51 takes this choice; it is changed
    // only for the moment gRPC first reads it.
    setenv(kPollStrategyEnv, "poll", /*overwrite=*/0);
    grpc_init();
    unsetenv(kPollStrategyEnv);
    grpc_shutdown();
  });
}

void SetChildRenewal(void (*renew)(bool grpc_usable)) {
  ForkState& state = State();
  absl::MutexLock lock(&state.mu);
  state.renew = renew;
}

}  // namespace progress::client
