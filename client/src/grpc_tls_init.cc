// gRPC's headers declare some thread_locals `extern`, so code that reads
// them calls the variable's TLS init function through a weak reference, if
// one is linked in. gRPC constant-initialises these, so none exists, and in
// a shared object that unresolved weak reference would be looked up at load
// time among the host's symbols: a host whose gRPC did define one would have
// it called by our copy of gRPC. These hidden no-ops bind the references
// inside the library instead; being weak, a real (strong) definition from a
// future gRPC archive still wins.
#define PROGRESS_NO_TLS_INIT(name, mangled)                                   \
  extern "C" __attribute__((weak, visibility("hidden"))) void name() __asm__( \
      mangled);                                                               \
  extern "C" void name() {}

PROGRESS_NO_TLS_INIT(progress_tls_init_exec_ctx,
                     "_ZTHN9grpc_core7ExecCtx9exec_ctx_E")
PROGRESS_NO_TLS_INIT(
    progress_tls_init_callback_exec_ctx,
    "_ZTHN9grpc_core26ApplicationCallbackExecCtx18callback_exec_ctx_E")
PROGRESS_NO_TLS_INIT(progress_tls_init_current_activity,
                     "_ZTHN9grpc_core8Activity19g_current_activity_E")
