#include "sim/paxos_cluster.h"

namespace quorum::sim {

PaxosCluster::PaxosCluster(const PaxosClusterOptions& options, std::uint64_t seed, Trace* trace)
    : options_(options),
      prng_(seed),
      trace_(trace),
      network_(options.nodes, options.network, prng_.fork()),
      slots_(options.nodes) {
  QUORUM_ASSERT(options.nodes >= 1 && options.nodes <= kMaxNodes, "cluster size out of range");
  for (std::uint32_t i = 1; i <= options.nodes; ++i) restart(NodeId{i});
}

PaxosCluster::NodeSlot& PaxosCluster::slot(NodeId id) {
  QUORUM_ASSERT(id.value() >= 1 && id.value() <= options_.nodes, "no such node");
  return slots_[id.value() - 1];
}
const PaxosCluster::NodeSlot& PaxosCluster::slot(NodeId id) const {
  QUORUM_ASSERT(id.value() >= 1 && id.value() <= options_.nodes, "no such node");
  return slots_[id.value() - 1];
}

paxos::Config PaxosCluster::config_for(NodeId id) {
  NodeSet members = NodeSet::first_n(options_.nodes);
  return paxos::Config{id, paxos::quorum_system_for(members, options_.bugs), options_.timing,
                       options_.bugs, prng_.fork()};
}

void PaxosCluster::record(const std::string& text) { trace_->event(now_, text); }

void PaxosCluster::propose(NodeId id, const Value& v) {
  proposed_.insert(v);
  NodeSlot& s = slot(id);
  if (!s.node) return;
  record("propose " + id.to_string() + " \"" + v + "\"");
  s.node->propose(v);
  drain(id);
}

void PaxosCluster::crash(NodeId id) {
  NodeSlot& s = slot(id);
  if (!s.node) return;
  lost_writes_ += s.disk_queue.size();
  s.disk_queue.clear();
  s.node.reset();
  record("crash " + id.to_string());
}

void PaxosCluster::restart(NodeId id) {
  NodeSlot& s = slot(id);
  if (s.node) return;
  s.node = std::make_unique<paxos::Node>(config_for(id), s.storage.load());
  record("start " + id.to_string());
}

bool PaxosCluster::all_up_nodes_learned() const {
  for (const NodeSlot& s : slots_) {
    if (s.node && !s.node->learned()) return false;
  }
  return true;
}

void PaxosCluster::drain(NodeId id) {
  NodeSlot& s = slot(id);
  if (!s.node) return;
  paxos::Output out = s.node->take_output();
  for (paxos::Write& w : out.writes) {
    // Writes complete in issue order, each after the disk's latency.
    std::uint64_t due = now_ + prng_.range(options_.disk.latency_min_ticks,
                                           options_.disk.latency_max_ticks);
    if (!s.disk_queue.empty()) due = std::max(due, s.disk_queue.back().due);
    s.disk_queue.push_back(PendingWrite{due, std::move(w)});
  }
  for (Envelope& e : out.messages) {
    if (const auto* a = std::get_if<paxos::Accepted>(&e.payload)) check_accepted(e.from, *a);
    network_.send(now_, std::move(e));
  }
  if (out.learned) check_learned(id, *out.learned);
}

void PaxosCluster::check_learned(NodeId id, const Value& v) {
  record("learn " + id.to_string() + " \"" + v + "\"");
  QUORUM_INVARIANT("Validity", proposed_.count(v) == 1,
                   "node " + id.to_string() + " learned \"" + v + "\", which nobody proposed");
  if (!decided_) decided_ = v;
  QUORUM_INVARIANT("Agreement", *decided_ == v,
                   "node " + id.to_string() + " learned \"" + v + "\" but \"" + *decided_ +
                       "\" was learned before");
}

// An Accepted leaves a node only once durable: it is a real vote.
void PaxosCluster::check_accepted(NodeId acceptor, const paxos::Accepted& a) {
  NodeSet& voters = accepted_by_[{a.ballot, a.value}];
  voters.insert(acceptor);
  if (voters.size() * 2 <= options_.nodes) return;  // not a true majority
  if (!chosen_) {
    chosen_ = a.value;
    record("chosen \"" + a.value + "\" at ballot " + a.ballot.to_string() + " by " +
           voters.to_string());
  }
  QUORUM_INVARIANT("AtMostOneChosen", *chosen_ == a.value,
                   "\"" + a.value + "\" was chosen at ballot " + a.ballot.to_string() + " by " +
                       voters.to_string() + " after \"" + *chosen_ + "\" had been chosen");
}

void PaxosCluster::tick() {
  ++now_;
  while (auto e = network_.next_due(now_)) {
    NodeId to = e->to;
    NodeSlot& s = slot(to);
    if (!s.node) continue;  // a crashed node hears nothing
    ++delivered_;
    record("deliver " + describe(*e));
    s.node->step(*e);
    drain(to);
  }
  for (std::uint32_t i = 1; i <= options_.nodes; ++i) {
    NodeId id{i};
    NodeSlot& s = slot(id);
    while (s.node && !s.disk_queue.empty() && s.disk_queue.front().due <= now_) {
      PendingWrite pw = std::move(s.disk_queue.front());
      s.disk_queue.pop_front();
      s.storage.save(pw.write.state);
      s.node->on_durable(pw.write.seq);
    }
    if (s.node) {
      s.node->tick();
      drain(id);
    }
  }
}

}  // namespace quorum::sim
