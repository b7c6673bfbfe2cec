#include "smr/client_table.h"

#include <utility>

#include "core/assert.h"
#include "smr/bytes.h"

namespace quorum::smr {
namespace {

constexpr char kMagic[4] = {'Q', 'E', 'X', 'S'};

}  // namespace

// ---- ClientTable --------------------------------------------------------------

ClientTable::ClientTable(std::size_t max_clients) : max_clients_(max_clients) {
  QUORUM_ASSERT(max_clients >= 1, "a client table needs room for at least one session");
}

const Session* ClientTable::find(std::uint64_t client_id) const {
  auto it = sessions_.find(client_id);
  return it == sessions_.end() ? nullptr : &it->second;
}

std::uint64_t ClientTable::newest_activity() const {
  return by_activity_.empty() ? 0 : by_activity_.rbegin()->first;
}

std::uint64_t ClientTable::session_hash(std::uint64_t client_id, const Session& s) {
  std::string reply;
  encode_reply(s.last_reply, reply);
  return bytes::Hasher().u64(client_id).u64(s.last_request_no).u64(s.last_activity).bytes(reply).finish();
}

void ClientTable::remove_hash(std::uint64_t client_id, const Session& s) {
  hash_sum_ -= session_hash(client_id, s);
}

void ClientTable::add_hash(std::uint64_t client_id, const Session& s) { hash_sum_ += session_hash(client_id, s); }

std::optional<std::uint64_t> ClientTable::record(std::uint64_t client_id, std::uint64_t request_no, Reply reply,
                                                 std::uint64_t log_index) {
  QUORUM_ASSERT(client_id != kNoSession, "client 0 has no session");
  std::optional<std::uint64_t> evicted;
  auto it = sessions_.find(client_id);
  if (it == sessions_.end()) {
    if (sessions_.size() >= max_clients_) {
      const auto oldest = *by_activity_.begin();
      auto victim = sessions_.find(oldest.second);
      QUORUM_ASSERT(victim != sessions_.end(), "activity index names a missing session");
      remove_hash(victim->first, victim->second);
      sessions_.erase(victim);
      by_activity_.erase(by_activity_.begin());
      evicted = oldest.second;
    }
    it = sessions_.emplace(client_id, Session{}).first;
  } else {
    QUORUM_INVARIANT("RequestNumbersIncrease", request_no > it->second.last_request_no,
                     "client " + std::to_string(client_id) + " request " + std::to_string(request_no) +
                         " after " + std::to_string(it->second.last_request_no));
    remove_hash(client_id, it->second);
    by_activity_.erase({it->second.last_activity, client_id});
  }
  Session& s = it->second;
  s.last_request_no = request_no;
  s.last_reply = std::move(reply);
  s.last_activity = log_index;
  by_activity_.emplace(log_index, client_id);
  add_hash(client_id, s);
  QUORUM_INVARIANT("ClientTableBounded", sessions_.size() <= max_clients_ && by_activity_.size() == sessions_.size(),
                   "client table holds " + std::to_string(sessions_.size()) + " sessions");
  return evicted;
}

void ClientTable::touch(std::uint64_t client_id, std::uint64_t log_index) {
  auto it = sessions_.find(client_id);
  QUORUM_ASSERT(it != sessions_.end(), "touch of a missing session");
  remove_hash(client_id, it->second);
  by_activity_.erase({it->second.last_activity, client_id});
  it->second.last_activity = log_index;
  by_activity_.emplace(log_index, client_id);
  add_hash(client_id, it->second);
}

std::uint64_t ClientTable::digest() const {
  return bytes::Hasher().bytes("client-table").u64(sessions_.size()).u64(hash_sum_).finish();
}

void ClientTable::encode(std::string& out) const {
  bytes::put_varint(out, sessions_.size());
  for (const auto& [id, s] : sessions_) {
    bytes::put_varint(out, id);
    bytes::put_varint(out, s.last_request_no);
    bytes::put_varint(out, s.last_activity);
    encode_reply(s.last_reply, out);
  }
}

Result<ClientTable, std::string> ClientTable::decode(bytes::Reader& in, std::size_t max_clients) {
  std::uint64_t count = 0;
  if (!in.varint(count)) return std::string("malformed session count");
  if (count > max_clients) {
    return "holds " + std::to_string(count) + " sessions, more than this table's limit of " +
           std::to_string(max_clients);
  }
  // Every session takes at least four bytes.
  if (count > in.remaining() / 4) return "session count " + std::to_string(count) + " exceeds the input";
  ClientTable table(max_clients);
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string where = "session " + std::to_string(i) + ": ";
    std::uint64_t id = 0;
    Session s;
    if (!in.varint(id) || !in.varint(s.last_request_no) || !in.varint(s.last_activity)) {
      return where + "truncated or malformed";
    }
    if (id == kNoSession) return where + "client id 0";
    if (s.last_request_no == 0) return where + "request number 0";
    if (!table.sessions_.empty() && table.sessions_.rbegin()->first >= id) {
      return where + "client ids out of order or repeated";
    }
    if (!decode_reply(in, s.last_reply)) return where + "malformed reply";
    table.by_activity_.emplace(s.last_activity, id);
    table.add_hash(id, s);
    table.sessions_.emplace_hint(table.sessions_.end(), id, std::move(s));
  }
  return table;
}

// ---- Executor -----------------------------------------------------------------

Executor::Executor(std::unique_ptr<StateMachine> state_machine, std::size_t max_clients)
    : sm_(std::move(state_machine)), table_(max_clients) {
  QUORUM_ASSERT(sm_ != nullptr, "an executor needs a state machine");
}

Executor::Executor(const Executor& other)
    : sm_(other.sm_->clone()), table_(other.table_), stats_(other.stats_) {}

Executor& Executor::operator=(const Executor& other) {
  if (this != &other) *this = Executor(other);
  return *this;
}

Reply Executor::execute(const ClientRequest& request, std::uint64_t log_index) {
  if (request.client_id == kNoSession) {
    ++stats_.applied;
    return sm_->apply(request.command);
  }
  QUORUM_INVARIANT("AppliedInLogOrder", log_index >= table_.newest_activity(),
                   "request at log index " + std::to_string(log_index) + " after one at " +
                       std::to_string(table_.newest_activity()));
  if (request.request_no == 0) {
    ++stats_.invalid;
    return Reply::error("ERR invalid request number 0");
  }
  if (const Session* s = table_.find(request.client_id)) {
    if (request.request_no == s->last_request_no) {
      ++stats_.duplicates;
      Reply cached = s->last_reply;
      table_.touch(request.client_id, log_index);
      return cached;
    }
    if (request.request_no < s->last_request_no) {
      ++stats_.stale;
      return Reply::error("ERR stale request");
    }
  } else if (request.request_no > 1) {
    ++stats_.expired;
    return Reply::error("ERR session expired");
  }
  ++stats_.applied;
  Reply reply = sm_->apply(request.command);
  if (table_.record(request.client_id, request.request_no, reply, log_index)) ++stats_.evictions;
  return reply;
}

std::vector<Reply> Executor::execute_batch(const Batch& batch, std::uint64_t log_index) {
  std::vector<Reply> replies;
  replies.reserve(batch.size());
  for (const auto& request : batch) replies.push_back(execute(request, log_index));
  return replies;
}

std::string Executor::snapshot() const {
  std::string out(kMagic, sizeof kMagic);
  bytes::put_u8(out, kExecutorSnapshotVersion);
  table_.encode(out);
  bytes::put_string(out, sm_->snapshot());
  bytes::seal(out);
  return out;
}

RestoreResult Executor::restore(std::string_view snapshot) {
  const auto fail = [](std::string why) { return RestoreResult("executor snapshot: " + std::move(why)); };
  if (snapshot.size() < sizeof kMagic + 1 + 1 + 1 + 4) {
    return fail("truncated (" + std::to_string(snapshot.size()) + " bytes)");
  }
  if (snapshot.substr(0, sizeof kMagic) != std::string_view(kMagic, sizeof kMagic)) {
    return fail("bad magic (not an executor snapshot)");
  }
  std::string_view body;
  if (!bytes::unseal(snapshot, body)) return fail("checksum mismatch (corrupted or truncated)");
  bytes::Reader in(body.substr(sizeof kMagic));
  std::uint8_t version = 0;
  in.u8(version);
  if (version != kExecutorSnapshotVersion) return fail("unknown version " + std::to_string(version));
  auto table = ClientTable::decode(in, table_.max_clients());
  if (!table.ok()) return fail("client table " + table.error());
  std::string_view inner;
  if (!in.string(in.remaining(), inner)) return fail("malformed state machine snapshot length");
  if (!in.done()) return fail(std::to_string(in.remaining()) + " trailing bytes");
  // The state machine restores all or nothing; only then is the table replaced.
  auto restored = sm_->restore(inner);
  if (!restored.ok()) return fail(restored.error());
  table_ = std::move(table).value();
  return std::monostate{};
}

std::uint64_t Executor::digest() const {
  return bytes::Hasher().bytes("executor").u64(table_.digest()).u64(sm_->digest()).finish();
}

}  // namespace quorum::smr
