// KvStore: the replicated key-value store, with the semantics of the Redis
// string commands a client of DESIGN.md section 5 expects:
//
//   GET key                   bulk | nil
//   SET key value [NX|XX]     OK | nil (NX and the key exists, XX and it does not)
//   DEL key [key ...]         integer: keys removed (a repeated key counts once)
//   EXISTS key [key ...]      integer: keys present (a repeated key counts each time)
//   INCR key                  integer: new value (a missing key counts as 0)
//   MGET key [key ...]        array of bulk | nil
//
// Command names and SET options are case-insensitive. Errors use Redis's texts:
//   ERR unknown command 'FOO'
//   ERR wrong number of arguments for 'get' command
//   ERR syntax error                                   (bad SET options, NX with XX)
//   ERR value is not an integer or out of range        (INCR on a non-integer)
//   ERR increment or decrement would overflow          (INCR past INT64_MAX)
// Commands beyond the codec bounds (smr/command.h) are refused with an ERR
// reply, so the store only ever holds what its snapshot can restore.
//
// Options that need a clock (EX, PX, EXAT, PXAT, KEEPTTL) or GET are not
// supported: they are a syntax error. Keys live in a hash table (a write is
// O(1), not a walk down a tree of string compares); snapshot() sorts them, so
// snapshots are deterministic. The digest is maintained incrementally (sum of
// per-entry hashes, independent of order), so digest() is O(1).
//
// Snapshot format (little-endian, varints as in smr/bytes.h):
//   "QKVS"  magic
//   u8      version (= 1)
//   varint  entry count
//   entries in strictly increasing key order: varint key length, key,
//                                             varint value length, value
//   u32     CRC-32 (zlib) of every preceding byte
// restore() checks the checksum before anything else, then every length, the
// key order and that nothing trails the last entry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <optional>
#include <string>
#include <string_view>

#include "smr/state_machine.h"

namespace quorum::smr {

inline constexpr std::uint8_t kKvSnapshotVersion = 1;

class KvStore final : public StateMachine {
 public:
  KvStore() = default;

  Reply apply(const Command& command) override;
  std::string snapshot() const override;
  RestoreResult restore(std::string_view snapshot) override;
  std::unique_ptr<StateMachine> clone() const override { return std::make_unique<KvStore>(*this); }
  std::uint64_t digest() const override;

  // Read access for tests and tools.
  std::size_t size() const { return data_.size(); }
  std::optional<std::string> get(std::string_view key) const;

 private:
  void put(const std::string& key, std::string value);
  bool erase(const std::string& key);

  Reply get_cmd(const Command& c) const;
  Reply set_cmd(const Command& c);
  Reply del_cmd(const Command& c);
  Reply exists_cmd(const Command& c) const;
  Reply incr_cmd(const Command& c);
  Reply mget_cmd(const Command& c) const;

  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };
  using Map = std::unordered_map<std::string, std::string, KeyHash, std::equal_to<>>;
  Map data_;
  std::uint64_t entries_hash_sum_ = 0;  // sum (mod 2^64) of entry_hash over data_
};

}  // namespace quorum::smr
