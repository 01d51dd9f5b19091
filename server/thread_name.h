#ifndef PROGRESS_SERVER_THREAD_NAME_H_
#define PROGRESS_SERVER_THREAD_NAME_H_

// Names the calling thread, so `top -H`, `perf` and gdb show which of the
// daemon's threads is which (write-0, read-0, sampler, snapshot).
#include <pthread.h>

#include <string>

namespace progress {

inline void NameThisThread(const std::string& name) {
  // The kernel keeps 15 characters and the terminating zero.
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace progress

#endif  // PROGRESS_SERVER_THREAD_NAME_H_
