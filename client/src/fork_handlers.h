#ifndef PROGRESS_CLIENT_SRC_FORK_HANDLERS_H_
#define PROGRESS_CLIENT_SRC_FORK_HANDLERS_H_

namespace progress::client {

// One party to fork(): a client. The handlers call these with every
// registered participant, in the forking thread.
class ForkParticipant {
 public:
  virtual ~ForkParticipant() = default;
  virtual void PrepareFork() = 0;
  virtual void ResumeAfterForkInParent() = 0;
  virtual void MarkInheritedInChild() = 0;
};

// What happens at fork(), for every registered client (handlers are
// installed with pthread_atfork when the first one registers):
//   before: each core stops its calls, parks its flusher and drops its
//     channel, so no gRPC call, thread or socket of ours is live (gRPC's
//     state is not safe to use in a child otherwise: its epoll set and
//     sockets would be shared with the parent);
//   parent: each core goes on, reconnecting and resending its cumulative
//     counts;
//   child: each core is marked inherited (its calls fail with
//     FAILED_PRECONDITION), then the child renewal runs (the C API renews
//     the default client there).
void RegisterForFork(ForkParticipant* participant);
void UnregisterForFork(ForkParticipant* participant);

// Holds fork() off while it lives: a fork waits in its prepare handler, so a
// child never inherits something half made. Not reentrant, and the thread
// holding it must not fork.
class ScopedForkBlock {
 public:
  ScopedForkBlock();
  ~ScopedForkBlock();
  ScopedForkBlock(const ScopedForkBlock&) = delete;
  ScopedForkBlock& operator=(const ScopedForkBlock&) = delete;
};

// Called before this library makes its first gRPC channel in the process.
// gRPC 1.51's default polling engine (epoll1) keeps one epoll set for the
// whole life of the process, which a child would share with its parent even
// once gRPC has shut down; the "poll" engine keeps nothing across a
// shutdown. If gRPC is not yet in use and GRPC_POLL_STRATEGY is not set, this
// has gRPC choose "poll" (the choice is made once per process) and leaves
// the environment as it was. If gRPC is already in use, the host shares it
// with us: forked children then cannot use it (see SetChildRenewal).
void PrepareGrpcForFork();

// `renew(grpc_usable)` runs in every forked child after the cores were
// marked; grpc_usable is false if gRPC was still initialised at fork() by
// someone else in the process.
void SetChildRenewal(void (*renew)(bool grpc_usable));

}  // namespace progress::client

#endif  // PROGRESS_CLIENT_SRC_FORK_HANDLERS_H_
