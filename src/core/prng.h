// Deterministic pseudo-random numbers (xoshiro256**, seeded by splitmix64).
// Every random choice in quorum comes from one of these, seeded from the run's
// seed, so a run is a pure function of (seed, options).
#pragma once

#include <cstdint>

namespace quorum {

class Prng {
 public:
  explicit Prng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& s : state_) s = splitmix64(x);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [lo, hi] (inclusive). The modulo bias is irrelevant at the
  // ranges used here (ticks, node counts).
  std::uint64_t range(std::uint64_t lo, std::uint64_t hi) {
    if (hi < lo) return lo;
    const std::uint64_t span = hi - lo + 1;  // wraps to 0 for the whole 64-bit domain
    return lo + (span == 0 ? next() : next() % span);
  }
  // True with probability `p_per_million` / 1e6.
  bool chance(std::uint32_t p_per_million) { return next() % 1'000'000 < p_per_million; }

  // A child seed, for deriving independent per-node generators from one seed.
  std::uint64_t fork() { return next() ^ 0x9e3779b97f4a7c15ULL; }

  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4];
};

}  // namespace quorum
