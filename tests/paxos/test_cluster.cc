#include "test_cluster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>

namespace quorum::testing_support {
namespace {

constexpr std::array<std::string_view, 7> kTypes = {
    "Prepare", "Promise", "Accept", "Accepted", "Nack", "LearnQuery", "Decided"};

}  // namespace

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

bool Msgs::matches(const Envelope& e) const {
  return (type_.empty() || type_ == payload_name(e.payload)) &&
         (from_ == 0 || e.from.value() == from_) && (to_ == 0 || e.to.value() == to_);
}

std::string Msgs::to_string() const {
  return (type_.empty() ? std::string("any") : type_) + " from " +
         (from_ ? std::to_string(from_) : "*") + " to " + (to_ ? std::to_string(to_) : "*");
}

TestCluster::TestCluster(std::uint32_t nodes, Bugs bugs, Timing timing)
    : bugs_(bugs), timing_(timing), nodes_(nodes) {
  for (std::uint32_t id = 1; id <= nodes; ++id) restart(id);
}

TestCluster::Slot& TestCluster::slot(std::uint32_t id) {
  EXPECT_TRUE(id >= 1 && id <= nodes_.size()) << "no node " << id;
  return nodes_.at(id - 1);
}
const TestCluster::Slot& TestCluster::slot(std::uint32_t id) const { return nodes_.at(id - 1); }

Node& TestCluster::node(std::uint32_t id) {
  Slot& s = slot(id);
  if (!s.node) throw std::logic_error("node " + std::to_string(id) + " is down");
  return *s.node;
}

bool TestCluster::is_up(std::uint32_t id) const { return slot(id).node != nullptr; }

std::optional<Value> TestCluster::learned(std::uint32_t id) const {
  const Slot& s = slot(id);
  return s.node ? s.node->learned() : std::nullopt;
}

std::optional<HardState> TestCluster::disk(std::uint32_t id) const { return slot(id).disk; }
std::size_t TestCluster::pending_writes(std::uint32_t id) const { return slot(id).pending.size(); }

// Moves a node's output into the cluster: writes become pending, messages
// go in flight, and the oracle notes every vote that left.
void TestCluster::collect(std::uint32_t id) {
  Slot& s = slot(id);
  if (!s.node) return;
  Output out = s.node->take_output();
  for (Write& w : out.writes) {
    if (!s.pending.empty()) {
      EXPECT_GT(w.seq, s.pending.back().seq) << "node " << id << " issued writes out of order";
    }
    s.pending.push_back(std::move(w));
  }
  for (Envelope& e : out.messages) {
    if (const auto* a = std::get_if<Accepted>(&e.payload)) {
      votes_[{a->ballot, a->value}].insert(e.from);
    }
    note("  send " + describe(e));
    in_flight_.push_back(std::move(e));
  }
  if (out.learned) {
    note("  node " + std::to_string(id) + " learned \"" + *out.learned + "\"");
    learned_ever_.insert(*out.learned);
  }
}

void TestCluster::propose(std::uint32_t id, const Value& v) {
  note("propose " + std::to_string(id) + " \"" + v + "\"");
  node(id).propose(v);
  collect(id);
}

void TestCluster::tick(std::uint32_t id, int times) {
  for (int i = 0; i < times && is_up(id); ++i) {
    node(id).tick();
    collect(id);
  }
}

void TestCluster::tick_all(int times) {
  for (int i = 0; i < times; ++i) {
    for (std::uint32_t id = 1; id <= size(); ++id) tick(id);
  }
}

void TestCluster::sync(std::uint32_t id) {
  Slot& s = slot(id);
  if (!s.node || s.pending.empty()) return;
  // Writes carry the whole state: the newest one is what the disk holds.
  s.disk = s.pending.back().state;
  std::uint64_t seq = s.pending.back().seq;
  s.pending.clear();
  note("sync " + std::to_string(id) + " up to write " + std::to_string(seq));
  s.node->on_durable(seq);
  collect(id);
}

void TestCluster::sync_all() {
  for (std::uint32_t id = 1; id <= size(); ++id) sync(id);
}

std::vector<Envelope> TestCluster::take(const Msgs& which) {
  std::vector<Envelope> taken;
  auto keep = std::stable_partition(in_flight_.begin(), in_flight_.end(),
                                    [&](const Envelope& e) { return !which.matches(e); });
  taken.assign(std::make_move_iterator(keep), std::make_move_iterator(in_flight_.end()));
  in_flight_.erase(keep, in_flight_.end());
  return taken;
}

void TestCluster::deliver_one(const Envelope& e) {
  std::uint32_t to = e.to.value();
  if (!is_up(to)) {
    note("lost (node down) " + describe(e));
    return;
  }
  note("deliver " + describe(e));
  node(to).step(e);
  collect(to);
}

std::size_t TestCluster::deliver(const Msgs& which) {
  std::vector<Envelope> batch = take(which);
  for (const Envelope& e : batch) deliver_one(e);
  return batch.size();
}

std::size_t TestCluster::deliver_newest_first(const Msgs& which) {
  std::vector<Envelope> batch = take(which);
  for (auto it = batch.rbegin(); it != batch.rend(); ++it) deliver_one(*it);
  return batch.size();
}

std::size_t TestCluster::drop(const Msgs& which) {
  std::vector<Envelope> batch = take(which);
  for (const Envelope& e : batch) note("drop " + describe(e));
  return batch.size();
}

std::size_t TestCluster::duplicate(const Msgs& which) {
  std::vector<Envelope> copies = in_flight(which);
  for (const Envelope& e : copies) {
    note("duplicate " + describe(e));
    in_flight_.push_back(e);
  }
  return copies.size();
}

std::size_t TestCluster::count(const Msgs& which) const { return in_flight(which).size(); }

std::vector<Envelope> TestCluster::in_flight(const Msgs& which) const {
  std::vector<Envelope> r;
  for (const Envelope& e : in_flight_) {
    if (which.matches(e)) r.push_back(e);
  }
  return r;
}

void TestCluster::crash(std::uint32_t id) {
  Slot& s = slot(id);
  note("crash " + std::to_string(id) + " (" + std::to_string(s.pending.size()) +
       " unsynced writes lost)");
  s.node.reset();
  s.pending.clear();
}

void TestCluster::restart(std::uint32_t id) {
  Slot& s = slot(id);
  if (s.node) return;
  Config config{NodeId{id}, paxos::quorum_system_for(NodeSet::first_n(size()), bugs_), timing_,
                paxos::LearnerRule::kClassic, NodeSet{}, bugs_,
                /*seed=*/1000 * ++incarnations_ + id};
  s.node = std::make_unique<Node>(config, s.disk);
  note("start " + std::to_string(id));
}

bool TestCluster::settle(int max_rounds) {
  auto all_learned = [&] {
    for (std::uint32_t id = 1; id <= size(); ++id) {
      if (!learned(id)) return false;
    }
    return true;
  };
  for (int round = 0; round < max_rounds && !all_learned(); ++round) {
    sync_all();
    deliver(any_msg());
    tick_all();
  }
  return all_learned();
}

std::set<Value> TestCluster::chosen() const {
  std::set<Value> r;
  for (const auto& [proposal, voters] : votes_) {
    if (voters.size() * 2 > size()) r.insert(proposal.second);
  }
  return r;
}

std::string TestCluster::history() const {
  std::string h;
  for (const std::string& line : log_) h += line + "\n";
  return h;
}

}  // namespace quorum::testing_support
