// The record of one simulated run: a running 64-bit hash of every event (so
// two runs of one seed can be compared byte for byte in O(1) space) and,
// when asked for, the events as text lines (bounded).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace quorum::sim {

class Trace {
 public:
  static constexpr std::size_t kMaxLines = 200'000;

  explicit Trace(bool keep_lines) : keep_lines_(keep_lines) {}

  // Records an event at logical time `now`.
  void event(std::uint64_t now, std::string_view text);
  bool keeping_lines() const { return keep_lines_; }

  std::uint64_t hash() const { return hash_; }
  const std::vector<std::string>& lines() const { return lines_; }
  std::size_t dropped_lines() const { return dropped_lines_; }

 private:
  void mix(const void* data, std::size_t n);

  bool keep_lines_;
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
  std::vector<std::string> lines_;
  std::size_t dropped_lines_ = 0;
};

std::string hex64(std::uint64_t v);

}  // namespace quorum::sim
