#include "bench_stats.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace progress::bench {

Percentiles Summarize(std::vector<absl::Duration> latencies) {
  Percentiles result;
  result.samples = latencies.size();
  if (latencies.empty()) return result;
  std::sort(latencies.begin(), latencies.end());
  // Nearest rank: the smallest value at least a fraction q of all reach.
  auto at = [&](double q) {
    const size_t rank = static_cast<size_t>(
        std::ceil(q * static_cast<double>(latencies.size())));
    return latencies[std::clamp<size_t>(rank, 1, latencies.size()) - 1];
  };
  result.p50 = at(0.50);
  result.p90 = at(0.90);
  result.p99 = at(0.99);
  result.max = latencies.back();
  return result;
}

double CpuSeconds(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(stat)),
                      std::istreambuf_iterator<char>());
  const size_t name_end = content.rfind(')');
  if (name_end == std::string::npos) return 0;
  // Fields after the command name, which is in parentheses and may hold
  // spaces: state is field 3, utime 14, stime 15.
  std::istringstream fields(content.substr(name_end + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

std::vector<int> WithChildren(int pid) {
  std::vector<int> pids = {pid};
  std::ifstream children("/proc/" + std::to_string(pid) + "/task/" +
                         std::to_string(pid) + "/children");
  for (int child; children >> child;) pids.push_back(child);
  return pids;
}

uint64_t ResidentBytes(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stoull(line.substr(6)) * 1024;  // Given in kB.
    }
  }
  return 0;
}

}  // namespace progress::bench
