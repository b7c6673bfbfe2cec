#include "harness.h"

#include <algorithm>
#include <array>
#include <sstream>

namespace quorum {
namespace multipaxos {

std::string show(const Batch& b) {
  if (b.is_noop()) return "no-op";
  std::string s = "[";
  for (const Value& v : b.commands) s += (s.size() > 1 ? "," : "") + ("\"" + v + "\"");
  return s + "]";
}

}  // namespace multipaxos

namespace mptest {
namespace {

constexpr std::array<std::string_view, 11> kTypes = {
    "Prepare",        "Promise",      "Accept",          "Accepted",     "Nack",         "Heartbeat",
    "HeartbeatReply", "CatchUpRequest", "CatchUpReply", "SnapshotRequest", "SnapshotChunk"};

[[noreturn]] void throw_invariant(const InvariantFailure& f) { throw InvariantViolated(f); }

bool names_slot(const Envelope& e, std::uint64_t slot) {
  if (const auto* a = std::get_if<Accept>(&e.payload)) {
    return std::any_of(a->entries.begin(), a->entries.end(),
                       [&](const SlotValue& v) { return v.slot.value() == slot; });
  }
  if (const auto* a = std::get_if<Accepted>(&e.payload)) {
    return std::any_of(a->slots.begin(), a->slots.end(),
                       [&](Slot s) { return s.value() == slot; });
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------- Msgs

Msgs::Msgs(std::string_view type) : type_(type) {
  // A misspelt type would silently match nothing and make a test vacuous.
  if (!type_.empty() && std::find(kTypes.begin(), kTypes.end(), type_) == kTypes.end()) {
    ADD_FAILURE() << "unknown message type '" << type_ << "'";
  }
}

Msgs Msgs::from(std::uint32_t id) const {
  Msgs m = *this;
  m.from_ = id;
  return m;
}

Msgs Msgs::to(std::uint32_t id) const {
  Msgs m = *this;
  m.to_ = id;
  return m;
}

Msgs Msgs::slot(std::uint64_t slot) const {
  Msgs m = *this;
  m.slot_ = slot;
  return m;
}

Msgs Msgs::where(std::function<bool(const Envelope&)> pred) const {
  Msgs m = *this;
  m.pred_ = std::move(pred);
  return m;
}

bool Msgs::matches(const Envelope& e) const {
  return (type_.empty() || type_ == payload_name(e.payload)) &&
         (from_ == 0 || e.from.value() == from_) && (to_ == 0 || e.to.value() == to_) &&
         (slot_ == 0 || names_slot(e, slot_)) && (!pred_ || pred_(e));
}

std::string Msgs::to_string() const {
  return (type_.empty() ? std::string("any") : type_) + " from " +
         (from_ != 0 ? std::to_string(from_) : "*") + " to " +
         (to_ != 0 ? std::to_string(to_) : "*") +
         (slot_ != 0 ? " slot " + std::to_string(slot_) : "") + (pred_ ? " where ..." : "");
}

// ---------------------------------------------------------------- Harness

Harness::Harness(std::uint32_t replicas) : Harness(HarnessOptions{.replicas = replicas}) {}

Harness::Harness(HarnessOptions options)
    : throw_on_invariant_(&throw_invariant), options_(options), slots_(options.replicas) {
  for (std::uint32_t id = 1; id <= options_.replicas; ++id) restart(id);
}

Harness::ReplicaSlot& Harness::slot(std::uint32_t id) {
  if (id < 1 || id > slots_.size()) throw std::out_of_range("no replica " + std::to_string(id));
  return slots_[id - 1];
}
const Harness::ReplicaSlot& Harness::slot(std::uint32_t id) const {
  if (id < 1 || id > slots_.size()) throw std::out_of_range("no replica " + std::to_string(id));
  return slots_[id - 1];
}

Config Harness::config_for(std::uint32_t id, std::uint32_t incarnation) const {
  return Config{NodeId{id},
                QuorumSystem::majority(NodeSet::first_n(options_.replicas)),
                options_.timing,
                options_.limits,
                options_.bugs,
                options_.seed * 1000 + id * 10 + incarnation};
}

Replica& Harness::replica(std::uint32_t id) {
  ReplicaSlot& s = slot(id);
  if (!s.replica) throw std::logic_error("replica " + std::to_string(id) + " is down");
  return *s.replica;
}
const Replica& Harness::replica(std::uint32_t id) const {
  const ReplicaSlot& s = slot(id);
  if (!s.replica) throw std::logic_error("replica " + std::to_string(id) + " is down");
  return *s.replica;
}

bool Harness::is_up(std::uint32_t id) const { return slot(id).replica != nullptr; }

void Harness::violation(const std::string& what) {
  violations_.push_back(what);
  note("VIOLATION " + what);
  if (!options_.expect_violations) ADD_FAILURE() << what << "\n" << history();
}

// Moves a replica's output into the harness and checks it.
void Harness::collect(std::uint32_t id) {
  ReplicaSlot& s = slot(id);
  if (!s.replica) return;
  Output out = s.replica->take_output();
  for (Write& w : out.writes) {
    if (w.seq != s.last_seq + 1) {
      violation("replica " + std::to_string(id) + " issued write seq " + std::to_string(w.seq) +
                " after " + std::to_string(s.last_seq));
    }
    s.last_seq = w.seq;
    note(std::to_string(id) + " write seq " + std::to_string(w.seq) +
         (std::holds_alternative<multipaxos::PromiseRecord>(w.record)  ? " promise"
          : std::holds_alternative<multipaxos::AcceptRecord>(w.record) ? " accept"
                                                                       : " compact"));
    s.pending.push_back(std::move(w));
  }
  for (Envelope& e : out.messages) {
    observe_sent(e);
    in_flight_.push_back(std::move(e));
  }
  if (out.became_leader) {
    ++s.became_leader;
    note(std::to_string(id) + " became leader, ballot " + s.replica->promised().to_string());
  }
  if (out.stepped_down) {
    ++s.stepped_down;
    note(std::to_string(id) + " stepped down, dropping " + std::to_string(out.dropped.size()));
  }
  for (Value& v : out.dropped) s.dropped.push_back(std::move(v));
  if (out.snapshot) {
    auto content = snapshot_contents_.find(*out.snapshot->bytes);
    if (content == snapshot_contents_.end()) {
      violation("replica " + std::to_string(id) + " installed snapshot bytes no replica wrote");
    } else if (content->second.size() != out.snapshot->index.value()) {
      violation("replica " + std::to_string(id) + " installed a snapshot of " +
                std::to_string(content->second.size()) + " slots as slot " + out.snapshot->index.to_string());
    } else {
      note(std::to_string(id) + " installed snapshot at " + out.snapshot->index.to_string());
      s.snapshot = {out.snapshot->index, out.snapshot->bytes};
      s.snapshot_state = content->second;
      s.base = out.snapshot->index.value();
      s.committed.clear();
      ++s.installed;
      s.replica->compact(out.snapshot->index, out.snapshot->bytes);
    }
  }
  for (SlotValue& c : out.committed) {
    note(std::to_string(id) + " committed " + c.slot.to_string() + " " + multipaxos::show(c.value));
    if (c.slot.value() != s.base + s.committed.size() + 1) {
      violation("replica " + std::to_string(id) + " committed slot " + c.slot.to_string() +
                " after " + std::to_string(s.base + s.committed.size()) + " slots (not in slot order)");
    }
    auto [it, fresh] = committed_anywhere_.emplace(c.slot, c.value);
    if (!fresh && it->second != c.value) {
      violation("Agreement: replica " + std::to_string(id) + " committed " +
                multipaxos::show(c.value) + " at slot " + c.slot.to_string() + " but " +
                multipaxos::show(it->second) + " was committed there before");
    }
    auto ch = chosen_.find(c.slot);
    if (ch == chosen_.end()) {
      violation("replica " + std::to_string(id) + " committed " + multipaxos::show(c.value) +
                " at slot " + c.slot.to_string() + " which no quorum accepted");
    } else if (ch->second != c.value) {
      violation("replica " + std::to_string(id) + " committed " + multipaxos::show(c.value) +
                " at slot " + c.slot.to_string() + " but a quorum accepted " +
                multipaxos::show(ch->second));
    }
    s.committed.push_back(std::move(c));
  }
  if (out.snapshot) collect(id);  // the compaction's records
}

std::vector<Batch> Harness::state(std::uint32_t id) const {
  const ReplicaSlot& s = slot(id);
  std::vector<Batch> all = s.snapshot_state;
  all.resize(s.base);  // a restart may have a newer stream than its snapshot
  for (const SlotValue& c : s.committed) all.push_back(c.value);
  return all;
}

void Harness::compact(std::uint32_t id) {
  ReplicaSlot& s = slot(id);
  std::vector<Batch> content = state(id);
  std::string bytes;
  for (const Batch& b : content) bytes += multipaxos::show(b) + "\n";
  bytes += "(" + std::to_string(content.size()) + " slots)";
  snapshot_contents_[bytes] = content;
  auto shared = std::make_shared<const std::string>(bytes);
  s.snapshot = {Slot{content.size()}, shared};
  s.snapshot_state = content;
  s.base = content.size();
  s.committed.clear();
  note(std::to_string(id) + " compact to " + std::to_string(content.size()));
  s.replica->compact(Slot{content.size()}, shared);
  collect(id);
}

void Harness::truncate_log(std::uint32_t id) {
  ReplicaSlot& s = slot(id);
  // The start of the last run of CompactRecords.
  std::size_t start = s.durable.size();
  while (start > 0 && !std::holds_alternative<multipaxos::CompactRecord>(s.durable[start - 1])) --start;
  while (start > 0 && std::holds_alternative<multipaxos::CompactRecord>(s.durable[start - 1])) --start;
  if (start == 0 || start == s.durable.size()) return;
  note(std::to_string(id) + " log truncated: " + std::to_string(start) + " records dropped");
  s.durable.erase(s.durable.begin(), s.durable.begin() + static_cast<std::ptrdiff_t>(start));
}

// The oracle: Accepts tell which value a ballot proposes at a slot, Accepteds
// which acceptors voted for it (an Accepted leaves only once durable).
void Harness::observe_sent(const Envelope& e) {
  sent_.push_back(e);
  note("send " + describe(e));
  if (const auto* a = std::get_if<Accept>(&e.payload)) {
    for (const SlotValue& v : a->entries) {
      auto [it, fresh] = proposed_.emplace(std::make_pair(a->ballot, v.slot), v.value);
      if (!fresh && it->second != v.value) {
        violation("ballot " + a->ballot.to_string() + " proposed two values at slot " +
                  v.slot.to_string());
      }
    }
  } else if (const auto* acc = std::get_if<Accepted>(&e.payload)) {
    QuorumSystem q = QuorumSystem::majority(NodeSet::first_n(options_.replicas));
    for (Slot s : acc->slots) {
      NodeSet& voters = votes_[{acc->ballot, s}];
      voters.insert(e.from);
      if (!q.is_phase2_quorum(voters)) continue;
      auto p = proposed_.find({acc->ballot, s});
      if (p == proposed_.end()) {
        violation("an Accepted for ballot " + acc->ballot.to_string() + " slot " + s.to_string() +
                  " that no Accept proposed");
        continue;
      }
      auto [it, fresh] = chosen_.emplace(s, p->second);
      if (!fresh && it->second != p->second) {
        violation("Consistency: slot " + s.to_string() + " chosen as " +
                  multipaxos::show(it->second) + " and again as " + multipaxos::show(p->second) +
                  " in ballot " + acc->ballot.to_string());
      }
    }
  }
}

log::SubmitResult Harness::submit(std::uint32_t id, const Value& command) {
  note(std::to_string(id) + " submit \"" + command + "\"");
  log::SubmitResult r = replica(id).submit(command);
  collect(id);
  return r;
}

void Harness::announce_commit(std::uint32_t id) {
  note(std::to_string(id) + " announce commit");
  replica(id).announce_commit();
  collect(id);
}

void Harness::tick(std::uint32_t id, int times) {
  for (int i = 0; i < times; ++i) {
    if (!is_up(id)) return;
    replica(id).tick();
    collect(id);
  }
}

void Harness::tick_all(int times) {
  for (int i = 0; i < times; ++i) {
    for (std::uint32_t id = 1; id <= size(); ++id) tick(id);
  }
}

std::size_t Harness::sync(std::uint32_t id, std::size_t max) {
  ReplicaSlot& s = slot(id);
  if (!s.replica) return 0;
  std::size_t n = 0;
  while (n < max && !s.pending.empty()) {
    Write w = std::move(s.pending.front());
    s.pending.erase(s.pending.begin());
    s.durable.push_back(w.record);
    note(std::to_string(id) + " durable seq " + std::to_string(w.seq));
    s.replica->on_durable(w.seq);
    ++n;
  }
  collect(id);
  return n;
}

void Harness::sync_all() {
  for (std::uint32_t id = 1; id <= size(); ++id) sync(id);
}

const std::vector<Write>& Harness::pending_writes(std::uint32_t id) const {
  return slot(id).pending;
}
const std::vector<Record>& Harness::durable(std::uint32_t id) const { return slot(id).durable; }

DurableState Harness::durable_state(std::uint32_t id) const {
  DurableState d;
  for (const Record& r : slot(id).durable) d.apply(r);
  return d;
}

std::vector<Envelope> Harness::take(const Msgs& which) {
  std::vector<Envelope> taken;
  std::vector<Envelope> kept;
  for (Envelope& e : in_flight_) (which.matches(e) ? taken : kept).push_back(std::move(e));
  in_flight_ = std::move(kept);
  return taken;
}

void Harness::deliver_one(const Envelope& e) {
  std::uint32_t to = e.to.value();
  if (!is_up(to)) {
    note("lost (down) " + describe(e));
    return;
  }
  if (cuts_.count({e.from.value(), to}) != 0) {
    note("lost (cut) " + describe(e));
    return;
  }
  note("deliver " + describe(e));
  replica(to).step(e);
  collect(to);
}

std::size_t Harness::deliver(const Msgs& which) {
  std::vector<Envelope> batch = take(which);
  for (const Envelope& e : batch) deliver_one(e);
  return batch.size();
}

bool Harness::deliver_first(const Msgs& which) {
  auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                         [&](const Envelope& e) { return which.matches(e); });
  if (it == in_flight_.end()) return false;
  Envelope e = std::move(*it);
  in_flight_.erase(it);
  deliver_one(e);
  return true;
}

void Harness::inject(Envelope e) {
  note("inject " + describe(e));
  observe_sent(e);
  in_flight_.push_back(std::move(e));
}

std::size_t Harness::deliver_newest_first(const Msgs& which) {
  std::vector<Envelope> batch = take(which);
  std::reverse(batch.begin(), batch.end());
  for (const Envelope& e : batch) deliver_one(e);
  return batch.size();
}

std::size_t Harness::drop(const Msgs& which) {
  std::vector<Envelope> batch = take(which);
  for (const Envelope& e : batch) note("drop " + describe(e));
  return batch.size();
}

std::size_t Harness::duplicate(const Msgs& which) {
  std::vector<Envelope> copies;
  for (const Envelope& e : in_flight_) {
    if (which.matches(e)) copies.push_back(e);
  }
  for (Envelope& e : copies) {
    note("duplicate " + describe(e));
    in_flight_.push_back(std::move(e));
  }
  return copies.size();
}

std::size_t Harness::count(const Msgs& which) const {
  return static_cast<std::size_t>(
      std::count_if(in_flight_.begin(), in_flight_.end(), [&](const Envelope& e) { return which.matches(e); }));
}

std::vector<Envelope> Harness::in_flight(const Msgs& which) const {
  std::vector<Envelope> out;
  for (const Envelope& e : in_flight_) {
    if (which.matches(e)) out.push_back(e);
  }
  return out;
}

void Harness::cut(std::uint32_t from, std::uint32_t to) {
  note("cut " + std::to_string(from) + "->" + std::to_string(to));
  cuts_.insert({from, to});
}

void Harness::isolate(std::uint32_t id) {
  for (std::uint32_t other = 1; other <= size(); ++other) {
    if (other == id) continue;
    cut(id, other);
    cut(other, id);
  }
}

void Harness::heal_all() {
  note("heal");
  cuts_.clear();
}

void Harness::crash(std::uint32_t id) {
  ReplicaSlot& s = slot(id);
  note("crash " + std::to_string(id) + " (" + std::to_string(s.pending.size()) +
       " pending writes lost)");
  s.replica.reset();
  s.pending.clear();
}

void Harness::restart(std::uint32_t id) {
  ReplicaSlot& s = slot(id);
  if (s.replica) return;
  DurableState recovered = durable_state(id);
  ++s.incarnation;
  s.committed.clear();
  s.base = s.snapshot.index.value();
  s.last_seq = 0;
  note("start " + std::to_string(id) + " incarnation " + std::to_string(s.incarnation) +
       " (promised " + recovered.promised.to_string() + ", " +
       std::to_string(recovered.accepted.size()) + " votes)");
  s.replica = std::make_unique<Replica>(config_for(id, s.incarnation), recovered, s.snapshot);
  collect(id);
}

bool Harness::settle(int max_rounds) {
  for (int r = 0; r < max_rounds; ++r) {
    bool pending = false;
    for (const ReplicaSlot& s : slots_) pending = pending || (s.replica && !s.pending.empty());
    if (in_flight_.empty() && !pending) return true;
    sync_all();
    deliver_all();
  }
  return false;
}

void Harness::round() {
  deliver_all();
  sync_all();
  tick_all();
}

bool Harness::run_until(const std::function<bool()>& pred, int max_rounds) {
  for (int r = 0; r < max_rounds; ++r) {
    if (pred()) return true;
    round();
  }
  return pred();
}

bool Harness::elect(std::uint32_t id) {
  const std::uint32_t max_wait = options_.timing.election_timeout_max_ticks + 1;
  for (std::uint32_t i = 0; i < max_wait && std::string(replica(id).role_name()) == "follower";
       ++i) {
    tick(id);
  }
  for (int r = 0; r < 50 && !replica(id).is_leader(); ++r) {
    sync_all();
    deliver_all();
  }
  return replica(id).is_leader();
}

void Harness::heartbeat(std::uint32_t leader) {
  std::size_t before = sent(msgs("Heartbeat").from(leader));
  for (std::uint32_t i = 0; i <= options_.timing.heartbeat_ticks && sent(msgs("Heartbeat").from(leader)) == before; ++i) {
    tick(leader);
  }
  settle();
}

bool Harness::commit(std::uint32_t leader, const Value& command) {
  log::SubmitResult r = submit(leader, command);
  if (r.status != log::SubmitStatus::kAccepted) return false;
  settle();
  for (const SlotValue& c : committed(leader)) {
    if (std::find(c.value.commands.begin(), c.value.commands.end(), command) !=
        c.value.commands.end()) {
      return true;
    }
  }
  return false;
}

std::vector<std::uint32_t> Harness::leaders() const {
  std::vector<std::uint32_t> out;
  for (std::uint32_t id = 1; id <= size(); ++id) {
    if (is_up(id) && replica(id).is_leader()) out.push_back(id);
  }
  return out;
}

const std::vector<SlotValue>& Harness::committed(std::uint32_t id) const {
  return slot(id).committed;
}

std::vector<Value> Harness::committed_commands(std::uint32_t id) const {
  std::vector<Value> out;
  for (const SlotValue& c : committed(id)) {
    out.insert(out.end(), c.value.commands.begin(), c.value.commands.end());
  }
  return out;
}

std::size_t Harness::sent(const Msgs& which) const {
  return static_cast<std::size_t>(
      std::count_if(sent_.begin(), sent_.end(), [&](const Envelope& e) { return which.matches(e); }));
}

std::vector<Envelope> Harness::sent_messages(const Msgs& which) const {
  std::vector<Envelope> out;
  for (const Envelope& e : sent_) {
    if (which.matches(e)) out.push_back(e);
  }
  return out;
}

std::string Harness::history() const {
  constexpr std::size_t kShown = 200;
  std::ostringstream os;
  std::size_t from = log_.size() > kShown ? log_.size() - kShown : 0;
  os << "harness history (last " << (log_.size() - from) << " of " << log_.size() << " events):\n";
  for (std::size_t i = from; i < log_.size(); ++i) os << "  " << log_[i] << "\n";
  return os.str();
}

}  // namespace mptest
}  // namespace quorum
