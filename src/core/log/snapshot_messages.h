// Snapshot transfer messages, shared by the log protocols: a replica that
// needs entries its peer has compacted away is sent the snapshot instead. The
// sender answers a request below its snapshot with the first chunk, and the
// receiver pulls the rest one chunk at a time (so a slow or lossy link never
// has more than one chunk in flight). A peer that has moved to a newer
// snapshot answers with that one from offset 0.
#pragma once

#include <cstdint>
#include <string>

#include "core/ids.h"

namespace quorum::log {

struct SnapshotRequest {
  Slot index;            // the snapshot being fetched (its last included slot)
  std::uint64_t offset;  // the first byte still missing
  bool operator==(const SnapshotRequest&) const = default;
};
struct SnapshotChunk {
  Slot index;            // last slot the snapshot covers
  std::uint64_t offset;  // of `data` within the snapshot
  std::uint64_t total;   // snapshot size in bytes
  std::string data;
  Slot commit;           // the sender's commit index
  bool operator==(const SnapshotChunk&) const = default;
};

}  // namespace quorum::log
