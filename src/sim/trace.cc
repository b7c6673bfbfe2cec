#include "sim/trace.h"

#include <cstdio>

namespace quorum::sim {

void Trace::mix(const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    hash_ ^= p[i];
    hash_ *= 0x100000001b3ULL;  // FNV-1a prime
  }
}

void Trace::event(std::uint64_t now, std::string_view text) {
  mix(&now, sizeof now);
  mix(text.data(), text.size());
  if (!keep_lines_) return;
  if (lines_.size() >= kMaxLines) {
    ++dropped_lines_;
    return;
  }
  lines_.push_back("t=" + std::to_string(now) + " " + std::string(text));
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace quorum::sim
