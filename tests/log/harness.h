// LogHarness<P>: a hand-driven cluster of replica hosts for scripted
// scenarios, one class for both log protocols (P = multipaxos::Protocol or
// vsr::Protocol). Each replica is the shared host (host/replica_host.h: the
// core, the KV state machine, recovery, snapshots, compaction, log
// truncation) over an in-memory store (host/memory_store.h), exactly what
// the simulator, the server and the model checker run. Nothing happens
// unless the script says so:
//  - messages wait in an in-flight list until the script delivers, drops,
//    duplicates or reorders them (selected with Msgs, msgs.h);
//  - records a replica writes stay pending until the script syncs them (per
//    replica, in order); the host then hears on_durable(seq);
//  - crash() loses the replica's memory and its pending records; restart()
//    runs the host's real recovery from the durable records and snapshot;
//  - time moves only by tick();
//  - snapshots follow the host's policy (HarnessOptions::snapshots, per
//    replica if wanted): a replica snapshots when it applies the slot the
//    policy names, and truncates its log once the compaction is durable.
// Commands are labels standing for real client requests (commands.h), so
// the state machine runs them and states compare by digest.
//
//   MultiPaxosHarness h(3);
//   ASSERT_TRUE(h.elect(1));
//   h.submit(1, "x");
//   h.drop(msgs("Accept").to(3));
//   h.deliver(msgs("Accept"));                  // to 1 and 2
//   h.sync_all();                               // their votes are durable
//   h.deliver(msgs("Accepted").to(1));          // slot 1 is chosen
//   EXPECT_EQ(h.committed_commands(1), (Labels{"x"}));
//
// On every output the harness checks what must hold in any scenario:
// Agreement (no two replicas commit different batches at one position),
// StateDivergence (after its n-th applied position every replica's state
// digest is the same), that write numbers grow by one per incarnation, and
// whatever the protocol's oracle (Traits<P>::Oracle) adds. An invariant a
// host or core asserts (core/assert.h) stops that replica, as it would stop
// a process; it is reported like the harness's own checks. Every violation
// is listed in violations() and, unless the options expect violations, fails
// the test (ADD_FAILURE).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "commands.h"
#include "core/assert.h"
#include "core/log/protocol.h"
#include "core/message.h"
#include "host/memory_store.h"
#include "host/replica_host.h"
#include "msgs.h"

namespace quorum {
inline void PrintTo(const Envelope& e, std::ostream* os) { *os << describe(e); }
inline void PrintTo(const Ballot& b, std::ostream* os) { *os << b.to_string(); }
inline void PrintTo(const NodeId& n, std::ostream* os) { *os << "node " << n.to_string(); }
inline void PrintTo(const Slot& s, std::ostream* os) { *os << "slot " << s.to_string(); }
}  // namespace quorum

namespace quorum::logtest {

inline NodeId N(std::uint32_t id) { return NodeId{id}; }
inline Slot S(std::uint64_t s) { return Slot{s}; }

// What a protocol adds to the harness: its message types, what "slot" means
// when selecting messages, how to elect a replica, how to print its records
// and status, and its oracle. Specialised in multipaxos_traits.h and
// vsr_traits.h.
template <class P>
struct Traits;

template <class P>
struct HarnessOptions {
  std::uint32_t replicas = 3;
  log::Timing timing;
  log::Limits limits;
  typename P::Bugs bugs{};
  std::uint64_t seed = 1;
  host::SnapshotPolicy snapshots;                           // every replica's ...
  std::map<std::uint32_t, host::SnapshotPolicy> snapshots_of;  // ... unless named here
  // A scenario that expects a broken variant to misbehave sets this: the
  // harness still records violations() but does not fail the test.
  bool expect_violations = false;
};

// What the harness saw, for failure messages and golden traces.
struct Event {
  enum class Kind { kClient, kSend, kNetwork, kDisk, kCommit, kRole, kSnapshot, kLife, kViolation };
  Kind kind;
  std::string text;
};

template <class P>
class LogHarness {
 public:
  using Host = host::ReplicaHost<P, host::MemoryStore<P>>;
  using Store = host::MemoryStore<P>;
  using Core = typename P::Replica;
  using Record = typename P::Record;
  using DurableState = typename P::DurableState;
  using Options = HarnessOptions<P>;
  using Oracle = typename Traits<P>::Oracle;

  explicit LogHarness(std::uint32_t replicas);
  explicit LogHarness(Options options);
  LogHarness(const LogHarness&) = delete;
  LogHarness& operator=(const LogHarness&) = delete;
  ~LogHarness();

  // ---- clients and time ----
  log::SubmitResult submit(std::uint32_t id, const std::string& label);
  // The end of a turn of the event loop, as the server ends every turn: a
  // leader proposes what queued and announces its commit index.
  void end_turn(std::uint32_t id);
  void tick(std::uint32_t id, int times = 1);
  void tick_all(int times = 1);

  // ---- disk: pending records become durable in order ----
  // Makes up to `max` of the replica's pending records durable; returns how many.
  std::size_t sync(std::uint32_t id, std::size_t max = SIZE_MAX);
  void sync_all();
  std::size_t pending_writes(std::uint32_t id) const { return slot(id).store.pending(); }
  // The records in the replica's log now (the host truncates it after a
  // compaction), decoded.
  std::vector<Record> durable(std::uint32_t id) const;
  // Every record ever made durable, replayed (truncation changes nothing here).
  const DurableState& durable_state(std::uint32_t id) const { return slot(id).store.durable_state(); }
  // The records in the log now, replayed: what a restart reads.
  DurableState replayed_state(std::uint32_t id) const;
  // The records this incarnation made durable, in order.
  const std::vector<Record>& synced(std::uint32_t id) const { return slot(id).synced; }

  // ---- network: each returns how many messages it affected ----
  // Delivers the matching messages in flight now, oldest first; what they
  // cause joins the in-flight list and is not delivered by this call.
  std::size_t deliver(const Msgs& which);
  std::size_t deliver_all() { return deliver(any_msg()); }
  // Delivers only the oldest matching message; false if there was none.
  bool deliver_first(const Msgs& which);
  // Newest first: the simplest reordering.
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
  // Memory and pending records are lost; messages already sent stay in flight.
  void crash(std::uint32_t id);
  // A new incarnation, through the host's recovery from the store.
  void restart(std::uint32_t id);
  bool is_up(std::uint32_t id) const { return slot(id).host.has_value(); }

  // ---- state and snapshots ----
  const Host& host(std::uint32_t id) const;
  Host& host(std::uint32_t id);
  const Core& core(std::uint32_t id) const { return host(id).core(); }
  const Store& store(std::uint32_t id) const { return slot(id).store; }
  std::uint64_t state_digest(std::uint32_t id) const { return host(id).state().digest(); }
  // The replica's state machine holds what the command for `label` wrote.
  bool holds(std::uint32_t id, const std::string& label) const { return logtest::holds(host(id).state(), label); }
  const std::optional<storage::Snapshot>& snapshot(std::uint32_t id) const { return slot(id).store.snapshot(); }
  // Summed over every incarnation.
  int snapshots_taken(std::uint32_t id) const { return slot(id).snapshots_taken; }
  int snapshots_installed(std::uint32_t id) const { return slot(id).snapshots_installed; }

  // ---- composite steps ----
  // Delivers and syncs (no ticks) until nothing is in flight and nothing is
  // pending, or `max_rounds` rounds. Returns true when quiet.
  bool settle(int max_rounds = 200);
  // One round of free running: deliver what is in flight, sync all, tick all.
  void round();
  // Rounds until pred() holds (checked before each round); false if it never did.
  bool run_until(const std::function<bool()>& pred, int max_rounds = 3000);
  // Makes `id` the leader the protocol's way (Traits<P>::elect); whether it leads.
  bool elect(std::uint32_t id);
  // Ticks the leader until it sends a heartbeat, then settles: followers
  // learn the commit index.
  void heartbeat(std::uint32_t leader);
  // Submits on `leader` and settles; whether the leader committed it.
  bool commit(std::uint32_t leader, const std::string& label);

  // ---- inspection ----
  std::uint32_t size() const { return static_cast<std::uint32_t>(slots_.size()); }
  const Options& options() const { return options_; }
  std::vector<std::uint32_t> leaders() const;  // up replicas that lead
  // This incarnation's committed stream (since its last snapshot install),
  // in the order the host applied it.
  const std::vector<log::SlotValue>& committed(std::uint32_t id) const { return slot(id).committed; }
  // The same, flattened to labels (no-ops contribute nothing).
  Labels committed_commands(std::uint32_t id) const;
  // The first batch any replica applied at each position.
  const std::map<Slot, log::Batch>& committed_anywhere() const { return committed_anywhere_; }
  // Summed over every incarnation.
  int became_leader(std::uint32_t id) const { return slot(id).became_leader; }
  int stepped_down(std::uint32_t id) const { return slot(id).stepped_down; }
  const Labels& dropped(std::uint32_t id) const { return slot(id).dropped; }
  // Every message any replica emitted, in order (also those later dropped).
  std::size_t sent(const Msgs& which) const;
  std::vector<Envelope> sent_messages(const Msgs& which) const;
  const Oracle& oracle() const { return oracle_; }
  const std::vector<std::string>& violations() const { return violations_; }
  // The event log; history() formats its tail for failure messages
  // (SCOPED_TRACE(h.history())).
  const std::vector<Event>& events() const { return events_; }
  std::string history() const;
  // Adds a line to the event log (golden traces print what scripts note).
  void note(Event::Kind kind, std::string text) { events_.push_back(Event{kind, std::move(text)}); }
  bool matches(const Msgs& which, const Envelope& e) const;

 private:
  class Sink;
  struct Replica {
    Store store;  // survives crashes
    std::unique_ptr<Sink> sink;
    std::optional<Host> host;  // empty while down
    std::uint32_t incarnation = 0;
    std::vector<log::SlotValue> committed;
    std::vector<Record> synced;
    std::uint64_t last_seq = 0;  // this incarnation's last durable write number
    int became_leader = 0;
    int stepped_down = 0;
    int snapshots_taken = 0;
    int snapshots_installed = 0;
    Labels dropped;
  };

  Replica& slot(std::uint32_t id);
  const Replica& slot(std::uint32_t id) const;
  host::HostConfig<P> config_for(std::uint32_t id) const;
  void start(std::uint32_t id);
  // Runs one input on the host; an invariant it breaks stops the replica.
  template <class F>
  void act(std::uint32_t id, F&& f);
  void stop(std::uint32_t id, const InvariantFailure& f);
  void check_type(const Msgs& which) const;
  std::vector<Envelope> take(const Msgs& which);
  void deliver_one(const Envelope& e);
  void violation(const std::string& what);
  void violations_from(std::vector<std::string> found);

  // What the hosts report (through Sink).
  void on_send(std::uint32_t id, Envelope e);
  void on_applied(std::uint32_t id, Slot slot, const log::Batch& batch, const smr::Executor& state);
  void on_snapshot_installed(std::uint32_t id, Slot index);
  void check_state(std::uint32_t id, Slot applied, std::uint64_t digest);

  ScopedInvariantHandler throw_on_invariant_;
  Options options_;
  std::vector<std::unique_ptr<Replica>> slots_;
  std::vector<Envelope> in_flight_;
  std::set<std::pair<std::uint32_t, std::uint32_t>> cuts_;
  std::vector<Envelope> sent_;
  std::map<Slot, log::Batch> committed_anywhere_;
  std::map<Slot, std::uint64_t> digest_after_;  // state digest after each position
  Oracle oracle_;
  std::vector<std::string> violations_;
  std::vector<Event> events_;
};

}  // namespace quorum::logtest
