#include "sim/paxos_cluster.h"

#include "core/record_codec.h"

namespace quorum::sim {

PaxosCluster::PaxosCluster(const PaxosClusterOptions& options, std::uint64_t seed, Trace* trace)
    : options_(options),
      prng_(seed),
      trace_(trace),
      network_(options.nodes, options.network, prng_.fork()),
      slots_(options.nodes) {
  QUORUM_ASSERT(options.nodes >= 1 && options.nodes <= kMaxNodes, "cluster size out of range");
  for (NodeSlot& s : slots_) s.storage = std::make_unique<SimStorage>(options_.storage, prng_.fork());
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
  return paxos::Config{id,          paxos::quorum_system_for(members, options_.bugs),
                       options_.timing, options_.learner, options_.proposers, options_.bugs,
                       prng_.fork()};
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

std::uint64_t PaxosCluster::lost_writes() const {
  std::uint64_t n = 0;
  for (const NodeSlot& s : slots_) n += s.storage->lost_records();
  return n;
}

std::uint64_t PaxosCluster::torn_writes() const {
  std::uint64_t n = 0;
  for (const NodeSlot& s : slots_) n += s.storage->disk_stats().torn_writes;
  return n;
}

void PaxosCluster::crash(NodeId id) {
  NodeSlot& s = slot(id);
  if (!s.node) return;
  s.storage->crash();
  s.unacked.clear();
  s.node.reset();
  record("crash " + id.to_string());
}

bool PaxosCluster::corrupt_disk(NodeId id) {
  NodeSlot& s = slot(id);
  if (s.node || s.failed) return false;
  bool done = s.storage->corrupt_durable_record(prng_);
  if (done) record("bit flip in a durable log record of " + id.to_string());
  return done;
}

void PaxosCluster::restart(NodeId id) {
  NodeSlot& s = slot(id);
  if (s.node || s.failed) return;
  // Each record is the whole state: the last one is what the node had.
  std::optional<paxos::HardState> recovered;
  auto opened = s.storage->open([&](storage::Lsn, std::uint8_t type, std::string_view payload) {
    QUORUM_INVARIANT("RecordType", type == static_cast<std::uint8_t>(RecordType::kPaxosHardState),
                     "a record of another protocol in the log");
    auto hs = decode_paxos_record(payload);
    QUORUM_INVARIANT("RecordDecodes", hs.ok(), hs.ok() ? "" : hs.error());
    recovered = hs.value();
  });
  if (!opened.ok()) {
    s.failed = true;
    ++corruptions_detected_;
    record("start " + id.to_string() + " refused: " + opened.error().to_string());
    return;
  }
  s.durable = recovered;
  s.node = std::make_unique<paxos::Node>(config_for(id), recovered);
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
    auto lsn = s.storage->append(static_cast<std::uint8_t>(RecordType::kPaxosHardState), encode_record(w.state),
                                 w.seq);
    s.unacked.push_back(Unacked{std::move(w), lsn.value()});
  }
  for (Envelope& e : out.messages) {
    if (const auto* a = std::get_if<paxos::Accepted>(&e.payload)) check_accepted(e.from, *a);
    if (const auto* p = std::get_if<paxos::Accept>(&e.payload)) proposal_ballots_.insert(p->ballot);
    network_.send(now_, std::move(e));
  }
  if (out.learned) check_learned(id, *out.learned);
}

void PaxosCluster::check_learned(NodeId id, const Value& v) {
  record("learn " + id.to_string() + " \"" + v + "\"");
  QUORUM_INVARIANT("Validity", proposed_.count(v) == 1,
                   "node " + id.to_string() + " learned \"" + v + "\", which nobody proposed");
  if (!decided_) {
    decided_ = v;
    first_decision_tick_ = now_;
  }
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
    if (!s.node) continue;
    if (std::uint64_t seq = s.storage->tick(now_); seq != 0) {
      std::optional<storage::Lsn> newest;
      while (!s.unacked.empty() && s.unacked.front().write.seq <= seq) {
        s.durable = std::move(s.unacked.front().write.state);
        newest = s.unacked.front().lsn;
        s.unacked.pop_front();
      }
      // The newest record supersedes the rest: once the last one written is
      // durable, everything before it may go.
      if (newest && s.unacked.empty()) (void)s.storage->truncate_before(*newest);
      s.node->on_durable(seq);
    }
    {
      s.node->tick();
      drain(id);
    }
  }
}

}  // namespace quorum::sim
