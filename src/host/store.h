// The host's port to durable storage: what a replica's write-ahead log and
// snapshot files must offer, whatever is underneath. Three stores satisfy it:
// the real one (runtime/wal_store.h: files, fdatasync, a group-commit
// thread), the simulator's (sim/sim_storage.h: the same log code on a disk
// that loses and tears unsynced writes) and an in-memory one for the model
// checker and scripted tests (host/memory_store.h).
//
// Durability is not reported through the store: the driver learns that a
// write is durable its own way (the simulator's disk latency, the
// group-commit thread, the test script) and tells the host with
// ReplicaHost::on_durable(seq). The store only keeps records in order.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>

#include "storage/error.h"
#include "storage/snapshot_file.h"
#include "storage/wal.h"

namespace quorum::host {

// What opening a store found.
struct StoreOpened {
  std::optional<storage::Snapshot> snapshot;  // the newest valid snapshot, if any
  std::string snapshot_file;                  // where it came from (for messages)
  storage::WalRecoveryInfo log;               // what the log's recovery found
};

template <class S>
concept Store = requires(S& s, const storage::Wal::ReplayFn& replay, std::uint8_t type, std::string payload,
                         std::uint64_t seq, storage::Lsn lsn, const storage::Snapshot& snapshot) {
  // Recovers the newest snapshot and replays every record of the log in
  // order, then is ready to append. An error means the replica must not
  // start: detected corruption names the file and offset (kCorruption); a
  // newer snapshot that fails its checksum is corruption too, since an older
  // one could not stand in for slots the log has already dropped.
  { s.open(replay) } -> std::same_as<storage::StorageResult<StoreOpened>>;
  // Appends a record (durable later); `seq` is the core's write number. The
  // LSN is known at once, so the host can name what to truncate later.
  { s.append(type, std::move(payload), seq) } -> std::same_as<storage::StorageResult<storage::Lsn>>;
  // Drops every record before `lsn` (the host calls it only once the records
  // that make them unnecessary are durable).
  { s.truncate_before(lsn) } -> std::same_as<storage::Status>;
  // Writes a snapshot file, durably, before returning.
  { s.write_snapshot(snapshot) } -> std::same_as<storage::Status>;
};

}  // namespace quorum::host
