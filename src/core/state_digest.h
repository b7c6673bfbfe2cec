// A 128-bit fingerprint of a protocol core's state, for the model checker's
// set of visited states (check/). Cores feed it the fields that decide their
// future behaviour and leave out the ones that only decide *when* something
// happens (tick counters, backoff jitter), because the checker abstracts time
// into "a timer fires" actions.
//
// Two independent 64-bit lanes: with 10^8 states the chance that two distinct
// states share a fingerprint is about 10^16 / 2^129, far below any other
// failure mode of a run (the same trade TLC makes with its fingerprints).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "core/ballot.h"
#include "core/node_set.h"

namespace quorum {

struct Fingerprint {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  bool operator==(const Fingerprint&) const = default;
};

class StateDigest {
 public:
  void add(std::uint64_t x) {
    a_ = mix(a_ ^ x, 0x9e3779b97f4a7c15ULL);
    b_ = mix(b_ + x, 0xc2b2ae3d27d4eb4fULL);
  }
  void add(std::string_view s) {
    add(s.size());
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      add(w);
    }
    std::uint64_t tail = 0;
    if (i < s.size()) std::memcpy(&tail, s.data() + i, s.size() - i);  // never memcpy from null
    add(tail);
  }
  void add(Ballot b) {
    add(b.round);
    add(b.node.value());
  }
  void add(NodeSet s) { add(s.bits()); }
  template <class T>
  void add(const std::optional<T>& o) {
    add(std::uint64_t{o.has_value()});
    if (o) add(*o);
  }
  // Marks where a variable-length part ends, so (ab, c) and (a, bc) differ.
  void separator() { add(0x5eb5eb5eb5eb5eb5ULL); }

  Fingerprint finish() const { return {mix(a_, 0xff51afd7ed558ccdULL), mix(b_, 0xc4ceb9fe1a85ec53ULL)}; }

 private:
  static std::uint64_t mix(std::uint64_t x, std::uint64_t k) {
    x ^= x >> 31;
    x *= k;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 32;
    return x;
  }
  std::uint64_t a_ = 0x243f6a8885a308d3ULL;
  std::uint64_t b_ = 0x13198a2e03707344ULL;
};

struct FingerprintHash {
  std::size_t operator()(const Fingerprint& f) const noexcept { return f.lo; }
};

}  // namespace quorum
