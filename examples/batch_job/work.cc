#include "work.h"

#include <array>
#include <cstring>

namespace batch_job {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t Fnv1a(const unsigned char* data, size_t size, uint64_t seed) {
  uint64_t hash = seed;
  for (size_t i = 0; i < size; ++i) {
    hash ^= data[i];
    hash *= kFnvPrime;
  }
  return hash;
}

}  // namespace

bool ProcessRecord(uint64_t record_id, int rounds, double failure_rate) {
  std::array<unsigned char, 256> payload;
  uint64_t state = record_id * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < payload.size(); i += sizeof state) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::memcpy(payload.data() + i, &state, sizeof state);
  }
  uint64_t hash = kFnvOffset;
  for (int round = 0; round < rounds; ++round) {
    hash = Fnv1a(payload.data(), payload.size(), hash);
  }
  // The top 53 bits as a fraction in [0, 1).
  const double position = static_cast<double>(hash >> 11) / 9007199254740992.0;
  return position >= failure_rate;
}

}  // namespace batch_job
