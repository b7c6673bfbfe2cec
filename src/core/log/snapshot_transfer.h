// Snapshot transfer between the replicas of a log protocol (Multi-Paxos,
// VSR), for a replica that needs entries its peer has compacted away. The
// sender serves its newest snapshot in chunks; the receiver pulls them one at
// a time (so a slow or lossy link never has more than one in flight) and
// starts over when the sender has moved to a newer snapshot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/limits.h"
#include "core/log/snapshot_messages.h"
#include "core/state_digest.h"

namespace quorum::log {

// The chunk of `snapshot` (the state after every slot <= index) that starts
// at `offset`; nullopt past its end.
inline std::optional<SnapshotChunk> snapshot_chunk(const std::string& snapshot, Slot index,
                                                               std::uint64_t offset, std::uint64_t max_chunk_bytes,
                                                               Slot commit) {
  const std::uint64_t total = snapshot.size();
  if (offset > total) return std::nullopt;
  const std::uint64_t n = std::min<std::uint64_t>(max_chunk_bytes, total - offset);
  return SnapshotChunk{index, offset, total, snapshot.substr(offset, n), commit};
}

// Where to serve a request from: a request for an older snapshot than the
// one we hold restarts from the top of ours.
inline std::uint64_t serve_offset(const SnapshotRequest& m, Slot held_index) {
  return m.index == held_index ? m.offset : 0;
}

class SnapshotReceiver {
 public:
  enum class Step { kIgnored, kMore, kComplete };
  struct Snapshot {
    Slot index;
    std::string bytes;
  };

  // Takes a chunk the caller wants (of a snapshot past what it has).
  // kComplete: take() it; kMore: ask for next_request().
  Step receive(const SnapshotChunk& m) {
    if (m.total > limits::kMaxSnapshotBytes || m.total == 0) return Step::kIgnored;
    if (!in_ || in_->index != m.index) {
      if (m.offset != 0) return Step::kIgnored;  // the middle of a snapshot we never started
      in_ = Incoming{m.index, m.total, {}};
    }
    Incoming& in = *in_;
    if (m.total != in.total || m.offset != in.bytes.size()) return Step::kIgnored;  // duplicate or stale
    in.bytes += m.data;
    return in.bytes.size() == in.total ? Step::kComplete : Step::kMore;
  }
  bool active() const { return in_.has_value(); }
  // The request that resumes the transfer (active() only).
  SnapshotRequest next_request() const { return {in_->index, in_->bytes.size()}; }
  Snapshot take() {
    Snapshot s{in_->index, std::move(in_->bytes)};
    in_.reset();
    return s;
  }
  void reset() { in_.reset(); }
  void digest(StateDigest& d) const {
    d.add(std::uint64_t{in_.has_value()});
    if (!in_) return;
    d.add(in_->index.value());
    d.add(in_->total);
    d.add(in_->bytes);
  }

 private:
  struct Incoming {
    Slot index;
    std::uint64_t total = 0;
    std::string bytes;
  };
  std::optional<Incoming> in_;
};

}  // namespace quorum::log
