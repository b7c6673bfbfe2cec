// At-most-once execution: the client table of VR Revisited (section 4, "the
// client table") and the client sessions of the Raft thesis (section 6.3).
//
// For every client the table keeps the number of its last executed request
// and the reply to it. The Executor runs each committed request through the
// table before it reaches the state machine:
//
//   client_id == 0 (kNoSession)      apply; no session is read or written
//   request_no == 0                  "ERR invalid request number 0", not applied
//   request_no == last               the cached reply; not applied again
//   request_no <  last               "ERR stale request"; never applied
//   request_no >  last               apply, cache the reply, remember log_index
//   unknown client, request_no == 1  a new session: apply as above
//   unknown client, request_no >  1  "ERR session expired"; not applied
//
// Request numbers start at 1 and increase; gaps are allowed (a client may
// give up on a request and move on). The last rule is the Raft thesis's
// answer to eviction: a client whose session was evicted (or whose first
// request never committed) cannot be told whether its earlier requests ran,
// so rather than risk executing one twice the request is refused. The client
// must start over with a fresh client id (whose first request is number 1).
//
// The table is bounded by max_clients sessions. Creating a session in a full
// table evicts the session with the oldest last activity (the log index of
// its last executed or repeated request), ties broken by the smaller client
// id. That depends only on the log, so every replica evicts the same session.
//
// The error replies above are never cached and never change the table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smr/command.h"
#include "smr/reply.h"
#include "smr/state_machine.h"

namespace quorum::smr {

inline constexpr std::size_t kDefaultMaxClients = 10'000;
inline constexpr std::uint8_t kExecutorSnapshotVersion = 1;

struct Session {
  std::uint64_t last_request_no = 0;
  Reply last_reply;
  std::uint64_t last_activity = 0;  // log index

  friend bool operator==(const Session&, const Session&) = default;
};

class ClientTable {
 public:
  explicit ClientTable(std::size_t max_clients = kDefaultMaxClients);

  std::size_t max_clients() const { return max_clients_; }
  std::size_t size() const { return sessions_.size(); }
  const std::map<std::uint64_t, Session>& sessions() const { return sessions_; }
  const Session* find(std::uint64_t client_id) const;

  // The largest last_activity of any session (0 when empty). The session with
  // the largest activity is never the one evicted, so this is the log index of
  // the last request that went through the table.
  std::uint64_t newest_activity() const;

  // Records an executed request: creates or updates the session. Creating one
  // in a full table evicts the oldest session first and returns its id.
  std::optional<std::uint64_t> record(std::uint64_t client_id, std::uint64_t request_no, Reply reply,
                                      std::uint64_t log_index);
  // A repeated request: the session stays, its last activity moves to log_index.
  void touch(std::uint64_t client_id, std::uint64_t log_index);

  std::uint64_t digest() const;

  // Appends the table (sessions in client id order) to `out`:
  //   varint count, count * (varint client_id, varint last_request_no,
  //                          varint last_activity, reply (smr/reply.h))
  void encode(std::string& out) const;
  // Decodes a table written by encode() into a table with the given bound;
  // rejects more sessions than max_clients, ids out of order, client id 0,
  // request number 0 and malformed replies.
  static Result<ClientTable, std::string> decode(bytes::Reader& in, std::size_t max_clients);

 private:
  static std::uint64_t session_hash(std::uint64_t client_id, const Session& s);
  void remove_hash(std::uint64_t client_id, const Session& s);
  void add_hash(std::uint64_t client_id, const Session& s);

  std::size_t max_clients_;
  std::map<std::uint64_t, Session> sessions_;
  std::set<std::pair<std::uint64_t, std::uint64_t>> by_activity_;  // (last_activity, client_id)
  std::uint64_t hash_sum_ = 0;  // sum (mod 2^64) of session_hash over sessions_
};

// Counters since construction (local to this replica: not part of the
// snapshot or the digest).
struct ExecutorStats {
  std::uint64_t applied = 0;     // requests that reached the state machine
  std::uint64_t duplicates = 0;  // answered from the cache
  std::uint64_t stale = 0;
  std::uint64_t expired = 0;     // unknown client with request_no > 1
  std::uint64_t invalid = 0;     // request number 0
  std::uint64_t evictions = 0;
};

// Applies committed client requests to a state machine exactly once each.
//
// Snapshot format (little-endian, varints as in smr/bytes.h):
//   "QEXS"  magic
//   u8      version (= 1)
//   table   ClientTable::encode
//   varint  length of the state machine snapshot, then its bytes
//   u32     CRC-32 (zlib) of every preceding byte
class Executor {
 public:
  explicit Executor(std::unique_ptr<StateMachine> state_machine, std::size_t max_clients = kDefaultMaxClients);
  // Copies the state machine too (StateMachine::clone).
  Executor(const Executor& other);
  Executor& operator=(const Executor& other);
  Executor(Executor&&) noexcept = default;
  Executor& operator=(Executor&&) noexcept = default;

  // Executes one committed request found at `log_index` (a slot or op number;
  // every request of one batch shares it). Indexes of session requests must
  // not decrease (checked: AppliedInLogOrder). For client 0 the index is unused.
  Reply execute(const ClientRequest& request, std::uint64_t log_index);
  // Executes the requests of one log slot in order; one reply per request.
  std::vector<Reply> execute_batch(const Batch& batch, std::uint64_t log_index);

  // Both the client table and the state machine.
  std::string snapshot() const;
  // All or nothing: on error neither the table nor the state machine changes.
  RestoreResult restore(std::string_view snapshot);
  std::uint64_t digest() const;

  const StateMachine& state_machine() const { return *sm_; }
  const ClientTable& client_table() const { return table_; }
  const ExecutorStats& stats() const { return stats_; }

 private:
  std::unique_ptr<StateMachine> sm_;
  ClientTable table_;
  ExecutorStats stats_;
};

}  // namespace quorum::smr
