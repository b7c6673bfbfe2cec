// Named bounds on everything that crosses a trust boundary or can grow.
#pragma once

#include <cstddef>

namespace quorum::limits {

// Largest client value (one command) the system accepts.
inline constexpr std::size_t kMaxValueBytes = 1 << 20;
// Largest peer frame body; a frame announcing more is rejected unread.
inline constexpr std::size_t kMaxFrameBodyBytes = 4 << 20;

}  // namespace quorum::limits
