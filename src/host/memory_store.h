// MemoryStore<P>: a store (host/store.h) in memory, for the model checker and
// the scripted test harnesses. Records wait in `pending` until the driver
// makes them durable (sync), so a script can crash a replica between a write
// and its fsync; crash() loses what is pending. Copyable, so the model
// checker copies it with the replica it belongs to.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/assert.h"
#include "core/log/protocol.h"
#include "core/state_digest.h"
#include "host/store.h"

namespace quorum::host {

template <log::Protocol P>
class MemoryStore {
 public:
  struct Record {
    storage::Lsn lsn;
    std::uint8_t type = 0;
    std::string payload;
    std::uint64_t seq = 0;
  };

  storage::StorageResult<StoreOpened> open(const storage::Wal::ReplayFn& replay) {
    for (const Record& r : durable_) replay(r.lsn, r.type, r.payload);
    StoreOpened o;
    o.snapshot = snapshot_;
    o.snapshot_file = "memory";
    o.log.records = durable_.size();
    return o;
  }
  storage::StorageResult<storage::Lsn> append(std::uint8_t type, std::string payload, std::uint64_t seq) {
    const storage::Lsn lsn{next_lsn_++};
    pending_.push_back(Record{lsn, type, std::move(payload), seq});
    return lsn;
  }
  storage::Status truncate_before(storage::Lsn lsn) {
    std::erase_if(durable_, [&](const Record& r) { return r.lsn < lsn; });
    return storage::ok_status();
  }
  storage::Status write_snapshot(const storage::Snapshot& snapshot) {
    snapshot_ = snapshot;
    return storage::ok_status();
  }

  // Makes the first `n` pending records durable (all of them by default);
  // returns the core write number of the last one, or 0 if there was none.
  // `synced`, if given, receives each record made durable.
  std::uint64_t sync(std::size_t n = SIZE_MAX, std::vector<typename P::Record>* synced = nullptr) {
    std::uint64_t seq = 0;
    for (; n > 0 && !pending_.empty(); --n) {
      Record r = std::move(pending_.front());
      pending_.erase(pending_.begin());
      auto decoded = P::decode(r.payload);
      QUORUM_ASSERT(decoded.ok(), "the host wrote a record that does not decode");
      state_.apply(decoded.value());
      if (synced != nullptr) synced->push_back(std::move(decoded).value());
      seq = r.seq;
      durable_.push_back(std::move(r));
    }
    return seq;
  }
  // Power loss: what was not synced is gone.
  void crash() { pending_.clear(); }

  std::size_t pending() const { return pending_.size(); }
  const std::vector<Record>& durable_records() const { return durable_; }
  // The state the durable records replay to.
  const typename P::DurableState& durable_state() const { return state_; }
  const std::optional<storage::Snapshot>& snapshot() const { return snapshot_; }
  // What decides a restart: the replayed state (not the records that led to
  // it, so two disks that restart alike fingerprint alike) and the snapshot.
  void digest(StateDigest& d) const {
    state_.digest(d);
    d.add(snapshot_ ? snapshot_->last_included_index : 0);
  }

 private:
  std::vector<Record> durable_;
  std::vector<Record> pending_;
  std::uint64_t next_lsn_ = 1;
  typename P::DurableState state_;
  std::optional<storage::Snapshot> snapshot_;
};

}  // namespace quorum::host
