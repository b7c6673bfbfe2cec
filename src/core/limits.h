// Named bounds on everything that crosses a trust boundary or can grow.
#pragma once

#include <cstddef>
#include <cstdint>

namespace quorum::limits {

// Largest client value (one command) the system accepts.
inline constexpr std::size_t kMaxValueBytes = 1 << 20;
// Largest peer frame body; a frame announcing more is rejected unread.
inline constexpr std::size_t kMaxFrameBodyBytes = 4 << 20;
// Largest piece of a snapshot in one message (well inside a frame).
inline constexpr std::size_t kMaxSnapshotChunkBytes = 1 << 20;
// Largest snapshot a replica agrees to receive.
inline constexpr std::uint64_t kMaxSnapshotBytes = 4ULL << 30;

}  // namespace quorum::limits
