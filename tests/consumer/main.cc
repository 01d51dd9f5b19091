// A program that uses the client library the way a user project does: only
// the installed headers and library. Built twice by the tests: in-tree with
// the old libstdc++ string ABI (-D_GLIBCXX_USE_CXX11_ABI=0, as Ray's C++
// template does), and as a separate project against the installed package.
//
// Reports known counts to $PROGRESS_TRACKER_ADDRESS, flushes, reads them
// back, and exits 0 only if they are exact.
#include <chrono>
#include <cstdio>
#include <string>

#include "progress/client.hpp"

int main() {
  progress::Client client;
  if (!client.status().ok()) {
    std::fprintf(stderr, "consumer: %s\n", client.status().ToString().c_str());
    return 1;
  }
  // std::string crosses only the header-only wrapper, never the library.
  const std::string job_name = std::string("consumer-") + client.id();
  progress::Job job = client.GetJob(job_name);
  if (!job.valid()) {
    std::fprintf(stderr, "consumer: %s\n", job.status().ToString().c_str());
    return 1;
  }
  for (int i = 0; i < 1000; ++i) job.AddSuccess(3);
  job.AddFailure(7);
  const progress::Status flushed = client.Flush(std::chrono::seconds(20));
  if (!flushed.ok()) {
    std::fprintf(stderr, "consumer: flush: %s\n", flushed.ToString().c_str());
    return 1;
  }
  progress::JobInfo info{};
  const progress::Status read = client.GetCounts(job_name, &info);
  if (!read.ok() || info.success != 3000 || info.failure != 7) {
    std::fprintf(stderr, "consumer: read %s: %llu success, %llu failure\n",
                 read.ToString().c_str(),
                 static_cast<unsigned long long>(info.success),
                 static_cast<unsigned long long>(info.failure));
    return 1;
  }
#if defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI == 0
  std::printf("consumer (old string ABI): exact\n");
#else
  std::printf("consumer: exact\n");
#endif
  return 0;
}
