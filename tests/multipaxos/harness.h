// Harness: a hand-driven cluster of real multipaxos::Replica cores for
// scripted scenarios. Nothing happens unless the test says so:
//  - messages wait in an in-flight list until the test delivers, drops or
//    duplicates them (picked by type, sender, receiver, slot or predicate);
//  - writes stay pending until the test makes them durable (per replica, in
//    order: each record is appended to the replica's durable vector and
//    on_durable(seq) is called);
//  - a crash discards the replica's memory and its pending writes; a restart
//    builds a new incarnation from DurableState rebuilt from the durable
//    records;
//  - time advances only by tick();
//  - compact(id) gives a replica a snapshot of what it committed (the list
//    of committed batches, encoded); a snapshot a replica receives from a
//    peer is "written" at once and compacted, like a real harness does. A
//    restart gets the replica's newest snapshot back.
//
//   Harness h(3);
//   ASSERT_TRUE(h.elect(1));                  // 1 campaigns and wins
//   h.submit(1, "x");
//   h.drop(msgs("Accept").to(3));
//   h.deliver(msgs("Accept"));                // to 1 and 2
//   h.sync_all();                             // their votes are durable
//   h.deliver(msgs("Accepted").to(1));        // slot 1 is chosen
//   EXPECT_EQ(h.committed_commands(1), (std::vector<Value>{"x"}));
//
// On every output it checks what must hold whatever the scenario: each
// incarnation's committed stream is contiguous from slot 1 (strict slot
// order), no two committed values differ at a slot (Agreement), every
// committed value is the one the oracle saw chosen (a quorum of Accepteds of
// one ballot, with the value that ballot's Accept carried), no two ballots
// got a quorum for different values at one slot, and write seqs increase by
// one. A failure is an ADD_FAILURE (and is listed in violations()); a broken
// QUORUM_INVARIANT inside a replica throws InvariantViolated.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/assert.h"
#include "core/message.h"
#include "multipaxos/replica.h"

namespace quorum {
inline void PrintTo(const Envelope& e, std::ostream* os) { *os << describe(e); }
inline void PrintTo(const Ballot& b, std::ostream* os) { *os << b.to_string(); }
inline void PrintTo(const NodeId& n, std::ostream* os) { *os << "node " << n.to_string(); }
inline void PrintTo(const Slot& s, std::ostream* os) { *os << "slot " << s.to_string(); }

namespace multipaxos {
std::string show(const Batch& b);
inline void PrintTo(const Batch& b, std::ostream* os) { *os << show(b); }
inline void PrintTo(const SlotValue& v, std::ostream* os) {
  *os << v.slot.to_string() << ":" << show(v.value);
}
inline void PrintTo(const SlotVote& v, std::ostream* os) {
  *os << v.slot.to_string() << "@" << v.ballot.to_string() << ":" << show(v.value);
}
}  // namespace multipaxos

namespace mptest {

using multipaxos::Accept;
using multipaxos::Accepted;
using log::Batch;
using multipaxos::Bugs;
using multipaxos::Config;
using multipaxos::DurableState;
using log::Limits;
using multipaxos::Output;
using multipaxos::Record;
using multipaxos::Replica;
using log::SlotValue;
using multipaxos::SlotVote;
using multipaxos::SubmitResult;
using multipaxos::SubmitStatus;
using log::Timing;
using multipaxos::Write;

inline Ballot B(std::uint64_t round, std::uint32_t node) { return Ballot{round, NodeId{node}}; }
inline NodeId N(std::uint32_t id) { return NodeId{id}; }
inline Slot S(std::uint64_t s) { return Slot{s}; }
inline Batch batch(std::vector<Value> commands) { return Batch{std::move(commands)}; }
inline Batch noop() { return Batch{}; }

// A failed QUORUM_INVARIANT / QUORUM_ASSERT inside a replica, as an exception.
struct InvariantViolated : std::runtime_error {
  explicit InvariantViolated(const InvariantFailure& f)
      : std::runtime_error("invariant " + f.property + " violated: " + f.message),
        property(f.property) {}
  std::string property;
};

// A selection of in-flight messages. Anything left unset matches everything.
class Msgs {
 public:
  // type: a Multi-Paxos payload name ("Prepare", "Promise", "Accept",
  // "Accepted", "Nack", "Heartbeat", "HeartbeatReply", "CatchUpRequest",
  // "CatchUpReply"); empty matches every type.
  explicit Msgs(std::string_view type = {});
  Msgs from(std::uint32_t id) const;
  Msgs to(std::uint32_t id) const;
  // Accepts with an entry for `slot`, Accepteds that name it.
  Msgs slot(std::uint64_t slot) const;
  Msgs where(std::function<bool(const Envelope&)> pred) const;
  bool matches(const Envelope& e) const;
  std::string to_string() const;

 private:
  std::string type_;
  std::uint32_t from_ = 0;
  std::uint32_t to_ = 0;
  std::uint64_t slot_ = 0;
  std::function<bool(const Envelope&)> pred_;
};

inline Msgs msgs(std::string_view type) { return Msgs(type); }
inline Msgs any_msg() { return Msgs(); }

struct HarnessOptions {
  std::uint32_t replicas = 3;
  Timing timing;
  Limits limits;
  Bugs bugs;
  std::uint64_t seed = 1;
  // A scenario that expects a broken variant to misbehave sets this: the
  // harness still records violations() but does not fail the test.
  bool expect_violations = false;
};

class Harness {
 public:
  explicit Harness(std::uint32_t replicas);
  explicit Harness(HarnessOptions options);

  // ---- clients and time ----
  log::SubmitResult submit(std::uint32_t id, const Value& command);
  // Replica::announce_commit(), as the server's driver calls it each turn.
  void announce_commit(std::uint32_t id);
  void tick(std::uint32_t id, int times = 1);
  void tick_all(int times = 1);

  // ---- disk: pending writes become durable in order ----
  // Makes up to `max` of the replica's pending writes durable; returns how many.
  std::size_t sync(std::uint32_t id, std::size_t max = SIZE_MAX);
  void sync_all();
  const std::vector<Write>& pending_writes(std::uint32_t id) const;
  const std::vector<Record>& durable(std::uint32_t id) const;
  DurableState durable_state(std::uint32_t id) const;

  // ---- network: each returns how many messages it affected ----
  // Delivers the matching messages in flight now, oldest first; what they
  // cause joins the in-flight list and is not delivered by this call.
  std::size_t deliver(const Msgs& which);
  std::size_t deliver_all() { return deliver(any_msg()); }
  // Delivers only the oldest matching message; false if there was none.
  bool deliver_first(const Msgs& which);
  // Same, newest first: the simplest reordering.
  std::size_t deliver_newest_first(const Msgs& which);
  std::size_t drop(const Msgs& which);
  // Appends a copy of each matching message to the in-flight list.
  std::size_t duplicate(const Msgs& which);
  std::size_t count(const Msgs& which) const;
  std::vector<Envelope> in_flight(const Msgs& which = any_msg()) const;
  // Puts a hand-made message in flight (the oracle sees it like a sent one).
  void inject(Envelope e);
  // One-way cuts: a message over a cut link is lost when delivered.
  void cut(std::uint32_t from, std::uint32_t to);
  void isolate(std::uint32_t id);  // both ways, from every other replica
  void heal_all();

  // ---- failures ----
  // Memory and pending writes are lost; messages already sent stay in flight.
  void crash(std::uint32_t id);
  // A new incarnation from DurableState rebuilt from the durable records.
  void restart(std::uint32_t id);

  // ---- snapshots ----
  // Snapshots everything `id` has committed and calls compact() with it.
  void compact(std::uint32_t id);
  // Drops the durable records before the last CompactRecord group (what the
  // write-ahead log's truncation does once it is durable).
  void truncate_log(std::uint32_t id);
  // Every batch the replica's state reflects, slot 1 first: its snapshot's
  // content followed by what it committed since.
  std::vector<Batch> state(std::uint32_t id) const;
  const multipaxos::RecoveredSnapshot& snapshot(std::uint32_t id) const { return slot(id).snapshot; }
  int snapshots_installed(std::uint32_t id) const { return slot(id).installed; }
  bool is_up(std::uint32_t id) const;

  // ---- composite steps ----
  // Delivers and syncs (no ticks) until nothing is in flight and no write is
  // pending, or `max_rounds` rounds. Returns true when quiet.
  bool settle(int max_rounds = 200);
  // One round of free running: deliver what is in flight, sync all, tick all.
  void round();
  // Rounds until pred() holds (checked before each round); false if it never did.
  bool run_until(const std::function<bool()>& pred, int max_rounds = 3000);
  // Ticks only `id` until it campaigns, then delivers and syncs (no ticks)
  // until it leads. Returns whether it leads.
  bool elect(std::uint32_t id);
  // Ticks the leader until it sends heartbeats, then settles: followers
  // learn the commit index.
  void heartbeat(std::uint32_t leader);
  // Submits on `leader` and settles; returns whether the leader committed it.
  bool commit(std::uint32_t leader, const Value& command);

  // ---- inspection ----
  Replica& replica(std::uint32_t id);
  const Replica& replica(std::uint32_t id) const;
  std::uint32_t size() const { return static_cast<std::uint32_t>(slots_.size()); }
  std::vector<std::uint32_t> leaders() const;  // up replicas that lead
  // This incarnation's committed stream, in the order it left the replica.
  const std::vector<SlotValue>& committed(std::uint32_t id) const;
  // The same, flattened to commands (no-ops contribute nothing).
  std::vector<Value> committed_commands(std::uint32_t id) const;
  // Summed over every incarnation.
  int became_leader(std::uint32_t id) const { return slot(id).became_leader; }
  int stepped_down(std::uint32_t id) const { return slot(id).stepped_down; }
  const std::vector<Value>& dropped(std::uint32_t id) const { return slot(id).dropped; }
  // Every message any replica emitted, in order (also those later dropped).
  std::size_t sent(const Msgs& which) const;
  std::vector<Envelope> sent_messages(const Msgs& which) const;
  // The oracle: slots a quorum accepted in one ballot, with that value.
  const std::map<Slot, Batch>& chosen() const { return chosen_; }
  const std::vector<std::string>& violations() const { return violations_; }
  // The event log, for failure messages (SCOPED_TRACE(h.history())).
  std::string history() const;

 private:
  struct ReplicaSlot {
    std::unique_ptr<Replica> replica;
    multipaxos::RecoveredSnapshot snapshot;  // durable
    std::vector<Batch> snapshot_state;       // what the snapshot holds
    std::uint64_t base = 0;                  // this incarnation's stream starts after it
    int installed = 0;
    std::vector<Write> pending;
    std::vector<Record> durable;
    std::vector<SlotValue> committed;  // this incarnation
    std::uint64_t last_seq = 0;        // this incarnation
    std::uint32_t incarnation = 0;
    int became_leader = 0;
    int stepped_down = 0;
    std::vector<Value> dropped;
  };
  ReplicaSlot& slot(std::uint32_t id);
  const ReplicaSlot& slot(std::uint32_t id) const;
  Config config_for(std::uint32_t id, std::uint32_t incarnation) const;
  void collect(std::uint32_t id);
  void observe_sent(const Envelope& e);
  std::vector<Envelope> take(const Msgs& which);
  void deliver_one(const Envelope& e);
  void violation(const std::string& what);
  void note(std::string line) { log_.push_back(std::move(line)); }

  ScopedInvariantHandler throw_on_invariant_;
  HarnessOptions options_;
  std::vector<ReplicaSlot> slots_;
  std::vector<Envelope> in_flight_;
  std::set<std::pair<std::uint32_t, std::uint32_t>> cuts_;
  std::vector<Envelope> sent_;
  // oracle
  std::map<std::pair<Ballot, Slot>, Batch> proposed_;   // from Accepts
  std::map<std::pair<Ballot, Slot>, NodeSet> votes_;    // from Accepteds
  std::map<Slot, Batch> chosen_;
  std::map<Slot, Batch> committed_anywhere_;
  std::map<std::string, std::vector<Batch>> snapshot_contents_;  // bytes -> batches
  std::vector<std::string> violations_;
  std::vector<std::string> log_;
};

}  // namespace mptest
}  // namespace quorum
