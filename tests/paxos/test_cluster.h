// TestCluster: a hand-driven cluster of real paxos::Node cores for scripted
// scenarios. Nothing happens unless the test says so: messages wait in an
// in-flight list until the test delivers, drops, duplicates or reorders them
// (picked by type, sender and receiver), writes stay pending until the test
// syncs them, and a crash discards a node's memory and unsynced writes.
//
//   TestCluster c(3);
//   c.propose(1, "a");
//   c.sync(1);                              // the round write is durable
//   c.deliver(msgs("Prepare").from(1));     // to everyone
//   c.drop(msgs("Promise").from(3));
//   c.sync_all();
//   c.deliver(msgs("Promise").to(1));
//
// It also keeps an oracle, like the simulator's: every Accepted that leaves a
// node is a durable vote, so chosen() lists the values a majority accepted in
// one ballot, independent of what the learners think.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/message.h"
#include "paxos/node.h"
#include "paxos_test_support.h"

namespace quorum::testing_support {

using paxos::Accepted;
using paxos::Bugs;
using paxos::Config;
using paxos::HardState;
using paxos::Node;
using paxos::Output;
using paxos::Timing;
using paxos::Write;

// A selection of in-flight messages: by payload type ("Prepare", "Promise",
// "Accept", "Accepted", "Nack", "LearnQuery", "Decided"), sender, receiver.
// Anything left unset matches every message.
class Msgs {
 public:
  explicit Msgs(std::string_view type = {});
  Msgs from(std::uint32_t id) const;
  Msgs to(std::uint32_t id) const;
  bool matches(const Envelope& e) const;
  std::string to_string() const;

 private:
  std::string type_;
  std::uint32_t from_ = 0;
  std::uint32_t to_ = 0;
};

inline Msgs msgs(std::string_view type) { return Msgs(type); }
inline Msgs any_msg() { return Msgs(); }

class TestCluster {
 public:
  explicit TestCluster(std::uint32_t nodes, Bugs bugs = {}, Timing timing = {});

  // ---- clients and time ----
  void propose(std::uint32_t id, const Value& v);
  void tick(std::uint32_t id, int times = 1);
  void tick_all(int times = 1);

  // ---- disk: writes are pending until synced, in order ----
  void sync(std::uint32_t id);
  void sync_all();
  std::size_t pending_writes(std::uint32_t id) const;
  std::optional<HardState> disk(std::uint32_t id) const;

  // ---- network: each returns how many messages it affected ----
  // Delivers the matching messages in flight now, oldest first; what they
  // cause is added to the in-flight list, not delivered.
  std::size_t deliver(const Msgs& which);
  // Same, newest first: the simplest reordering.
  std::size_t deliver_newest_first(const Msgs& which);
  std::size_t drop(const Msgs& which);
  // Appends a copy of each matching message to the in-flight list.
  std::size_t duplicate(const Msgs& which);
  std::size_t count(const Msgs& which) const;
  std::vector<Envelope> in_flight(const Msgs& which = any_msg()) const;

  // ---- failures ----
  // Memory and unsynced writes are lost; messages already sent stay on the
  // wire (a test that wants them gone drops them).
  void crash(std::uint32_t id);
  // A new incarnation from the last durable HardState.
  void restart(std::uint32_t id);
  bool is_up(std::uint32_t id) const;

  // ---- running freely: everything delivered and synced, time advancing ----
  // Returns true once every node is up and has learned; false after
  // `max_rounds` rounds without that.
  bool settle(int max_rounds = 3000);

  // ---- inspection ----
  Node& node(std::uint32_t id);
  std::uint32_t size() const { return static_cast<std::uint32_t>(nodes_.size()); }
  std::optional<Value> learned(std::uint32_t id) const;
  // Every value any incarnation of any node learned.
  const std::set<Value>& learned_ever() const { return learned_ever_; }
  // Values accepted by a majority of acceptors in one ballot (the oracle).
  std::set<Value> chosen() const;
  // The event log, for failure messages.
  std::string history() const;

 private:
  struct Slot {
    std::unique_ptr<Node> node;
    std::vector<Write> pending;
    std::optional<HardState> disk;
  };
  Slot& slot(std::uint32_t id);
  const Slot& slot(std::uint32_t id) const;
  void collect(std::uint32_t id);
  std::vector<Envelope> take(const Msgs& which);
  void deliver_one(const Envelope& e);
  void note(std::string line) { log_.push_back(std::move(line)); }

  ThrowOnInvariant throw_on_invariant_;  // a broken invariant fails the test
  Bugs bugs_;
  Timing timing_;
  std::vector<Slot> nodes_;
  std::vector<Envelope> in_flight_;
  std::map<std::pair<Ballot, Value>, NodeSet> votes_;
  std::set<Value> learned_ever_;
  std::uint64_t incarnations_ = 0;
  std::vector<std::string> log_;
};

}  // namespace quorum::testing_support
