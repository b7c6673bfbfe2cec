#include "check/paxos_model.h"

#include <algorithm>

namespace quorum::check {

PaxosModel::PaxosModel(PaxosModelOptions options) : options_(options) {
  QUORUM_ASSERT(options_.acceptors >= 1 && options_.acceptors <= 7, "1 to 7 acceptors");
  QUORUM_ASSERT(options_.proposers >= 1 && options_.proposers <= options_.acceptors,
                "proposers must be nodes");
  QUORUM_ASSERT(options_.ballots >= 1, "at least one ballot");
}

bool PaxosModel::in_bound(Ballot b) const {
  auto n = paxos::ballot_number(b, NodeSet::first_n(options_.proposers));
  return n && *n < options_.ballots;
}

paxos::Config PaxosModel::config_for(std::uint32_t id) const {
  return paxos::Config{NodeId{id},
                       paxos::quorum_system_for(NodeSet::first_n(options_.acceptors), options_.bugs),
                       paxos::Timing{},
                       options_.learner,
                       NodeSet::first_n(options_.proposers),
                       options_.bugs,
                       /*seed=*/id};
}

PaxosModel::State PaxosModel::initial() const {
  State s;
  for (std::uint32_t i = 1; i <= options_.acceptors; ++i) {
    auto box = std::make_shared<NodeBox>(NodeBox{paxos::Node(config_for(i), std::nullopt), {}, {}});
    seal(*box);
    s.nodes.push_back(std::move(box));
  }
  s.crashes_left = options_.crashes;
  auto g = std::make_shared<Ghosts>();
  seal(*g);
  s.ghosts = std::move(g);
  return s;
}

void PaxosModel::actions(const State& s, std::vector<Action>& out) const {
  for (std::uint32_t i = 1; i <= options_.proposers; ++i) {
    const paxos::Node& n = s.nodes[i - 1]->node;
    auto id = static_cast<std::uint8_t>(i);
    if (!n.learned() && !n.proposer().has_value() && in_bound(n.proposer().next_ballot())) {
      out.push_back({Kind::kPropose, id, 0});
    }
    if (!n.learned() && n.proposer().timer_running() && in_bound(n.proposer().next_ballot())) {
      out.push_back({Kind::kTimeout, id, 0});
    }
  }
  for (std::size_t m = 0; m < s.network.size(); ++m) {
    out.push_back({Kind::kDeliver, 0, s.network.id(m)});
  }
  if (s.crashes_left > 0) {
    for (std::uint32_t i = 1; i <= options_.acceptors; ++i) {
      out.push_back({Kind::kCrash, static_cast<std::uint8_t>(i), 0});
    }
  }
}

// Writes are durable at once; what they held back is sent with the rest.
void PaxosModel::drain(NodeBox& box, std::vector<std::uint32_t>& sent) const {
  paxos::Node& n = box.node;
  paxos::Output out = n.take_output();
  if (!out.writes.empty()) {
    box.disk = out.writes.back().state;
    n.on_durable(out.writes.back().seq);
    paxos::Output released = n.take_output();
    QUORUM_ASSERT(released.writes.empty() && !released.learned, "a durability ack wrote again");
    for (Envelope& e : released.messages) out.messages.push_back(std::move(e));
  }
  for (Envelope& e : out.messages) sent.push_back(messages_.intern(std::move(e)));
  QUORUM_ASSERT(!out.learned, "a node learned without hearing a vote");
  seal(box);
}

void PaxosModel::seal(NodeBox& box) {
  StateDigest d;
  box.node.digest(d);
  d.add(std::uint64_t{box.disk.has_value()});
  if (box.disk) {
    d.add(box.disk->promised);
    d.add(box.disk->proposer_round);
    d.add(std::uint64_t{box.disk->accepted.has_value()});
    if (box.disk->accepted) {
      d.add(box.disk->accepted->ballot);
      d.add(box.disk->accepted->value);
    }
  }
  box.fingerprint = d.finish();
}

const PaxosModel::Effect& PaxosModel::effect(const NodeBox& before, std::uint32_t id, Action a) const {
  return effects_.get(before.fingerprint, a, [&] { return compute_effect(before, id, a); });
}

PaxosModel::Effect PaxosModel::compute_effect(const NodeBox& before, std::uint32_t id,
                                              Action a) const {
  auto box = std::make_shared<NodeBox>(before);
  switch (a.kind) {
    case Kind::kPropose:
      box->node.propose(value_of(a.node));
      break;
    case Kind::kTimeout:
      box->node.expire_timer();
      break;
    case Kind::kCrash:
      box->node = paxos::Node(config_for(id), box->disk);
      break;
    case Kind::kDeliver:
      box->node.step(messages_.envelope(a.message));
      break;
    case Kind::kNone:
      QUORUM_ASSERT(false, "no action");
  }
  Effect e;
  drain(*box, e.sent);
  e.box = std::move(box);
  return e;
}

PaxosModel::State PaxosModel::apply(const State& before, Action a) const {
  State s = before;
  std::uint32_t id = a.kind == Kind::kDeliver ? messages_.envelope(a.message).to.value() : a.node;
  if (a.kind == Kind::kCrash) --s.crashes_left;
  const Effect& e = effect(*s.nodes[id - 1], id, a);
  s.nodes[id - 1] = e.box;
  std::shared_ptr<Ghosts> ghosts;  // copied on the first new vote or proposal
  for (std::uint32_t m : e.sent) {
    const Envelope& env = messages_.envelope(m);
    // Accepted messages are votes for the omniscient learner (learnable()),
    // never delivered to a node.
    if (!std::holds_alternative<paxos::Accepted>(env.payload)) s.network.send(m, messages_);
    if (const auto* acc = std::get_if<paxos::Accepted>(&env.payload)) {
      auto it = s.ghosts->votes.find({acc->ballot, acc->value});
      if (it != s.ghosts->votes.end() && it->second.contains(env.from)) continue;
      if (!ghosts) ghosts = std::make_shared<Ghosts>(*s.ghosts);
      ghosts->votes[{acc->ballot, acc->value}].insert(env.from);
    } else if (const auto* p = std::get_if<paxos::Accept>(&env.payload)) {
      if (s.ghosts->proposals.count({p->ballot, p->value}) > 0) continue;
      if (!ghosts) ghosts = std::make_shared<Ghosts>(*s.ghosts);
      ghosts->proposals.insert({p->ballot, p->value});
    }
  }
  if (ghosts) {
    seal(*ghosts);
    s.ghosts = std::move(ghosts);
  }
  return s;
}

void PaxosModel::seal(Ghosts& g) const {
  g.learnable = learnable(g);
  StateDigest d;
  for (const auto& [key, voters] : g.votes) {
    d.add(key.first);
    d.add(key.second);
    d.add(voters);
  }
  d.separator();
  for (const auto& [b, v] : g.proposals) {
    d.add(b);
    d.add(v);
  }
  g.fingerprint = d.finish();
}

std::vector<Value> PaxosModel::learnable(const Ghosts& g) const {
  paxos::Config c = config_for(options_.acceptors);
  std::set<Value> values;
  for (const auto& [key, voters] : g.votes) values.insert(key.second);
  std::vector<Value> out;
  for (const Value& v : values) {
    paxos::Learner learner(c.quorums, c.learner, c.ballot_owners(), c.bugs.consecutive_with_gaps);
    bool learned = false;
    for (const auto& [key, voters] : g.votes) {
      if (key.second != v) continue;
      for (NodeId from : voters.to_vector()) {
        learned |= learner.on_accepted(from, paxos::Accepted{key.first, key.second});
      }
    }
    if (learned) out.push_back(v);
  }
  return out;
}

void PaxosModel::check(const State& s) const {
  const Ghosts& g = *s.ghosts;
  std::vector<Value> learned = g.learnable;
  // A value chosen in the classic sense (a true majority in one ballot) is
  // one any correct learner may learn, whatever rule the model's learner uses.
  for (const auto& [key, voters] : g.votes) {
    if (voters.size() * 2 > options_.acceptors &&
        std::find(learned.begin(), learned.end(), key.second) == learned.end()) {
      learned.push_back(key.second);
    }
  }
  if (learned.size() > 1) {
    std::string values;
    for (const Value& v : learned) values += " \"" + v + "\"";
    QUORUM_INVARIANT("Agreement", false,
                     "the votes cast let learners learn different values:" + values);
  }
  for (const Value& v : learned) {
    bool proposed = false;
    for (std::uint32_t i = 1; i <= options_.proposers; ++i) proposed |= v == value_of(i);
    QUORUM_INVARIANT("Validity", proposed, "learned \"" + v + "\", which nobody proposed");
  }
  for (const auto& box : s.nodes) {
    const paxos::Node& n = box->node;
    const paxos::AcceptorState& a = n.acceptor();
    QUORUM_INVARIANT("PromiseIntegrity", !a.accepted || a.accepted->ballot <= a.promised,
                     "node " + n.id().to_string() + " promised " + a.promised.to_string() +
                         " but accepted at " + a.accepted->ballot.to_string());
  }
  // Chosen means a true majority of the cluster, whatever quorums a broken
  // variant uses.
  for (const auto& [key, voters] : g.votes) {
    if (voters.size() * 2 <= options_.acceptors) continue;
    const auto& [ballot, value] = key;
    for (const auto& [b, v] : g.proposals) {
      QUORUM_INVARIANT("Consistency", b <= ballot || v == value,
                       "\"" + value + "\" was chosen at ballot " + ballot.to_string() + " by " +
                           voters.to_string() + ", yet ballot " + b.to_string() +
                           " proposes \"" + v + "\"");
    }
  }
}

Fingerprint PaxosModel::fingerprint(const State& s) const {
  StateDigest d;
  for (const auto& box : s.nodes) {
    d.add(box->fingerprint.hi);
    d.add(box->fingerprint.lo);
  }
  s.network.digest(d);
  d.add(s.crashes_left);
  d.add(s.ghosts->fingerprint.hi);
  d.add(s.ghosts->fingerprint.lo);
  return d.finish();
}

std::string PaxosModel::describe(const State& /*before*/, Action a) const {
  std::string node = std::to_string(a.node);
  switch (a.kind) {
    case Kind::kPropose:
      return "node " + node + " is asked to propose \"" + value_of(a.node) + "\"";
    case Kind::kTimeout:
      return "node " + node + "'s timer fires: it starts a new ballot";
    case Kind::kCrash:
      return "node " + node + " crashes and restarts from its disk";
    case Kind::kDeliver:
      return "deliver " + quorum::describe(messages_.envelope(a.message));
    case Kind::kNone:
      break;
  }
  return "?";
}

std::string PaxosModel::summary(const State& s) const {
  std::string out = "final state:";
  for (const auto& box : s.nodes) {
    const paxos::Node& n = box->node;
    const paxos::AcceptorState& a = n.acceptor();
    out += "\n   node " + n.id().to_string() + ": promised " + a.promised.to_string() + ", accepted " +
           (a.accepted ? "\"" + a.accepted->value + "\"@" + a.accepted->ballot.to_string() : "nothing") +
           ", proposer at round " + std::to_string(n.proposer().round());
  }
  out += "\n   votes cast:";
  for (const auto& [key, voters] : s.ghosts->votes) {
    out += " \"" + key.second + "\"@" + key.first.to_string() + " by " + voters.to_string() + ";";
  }
  out += "\n   learnable:";
  for (const Value& v : s.ghosts->learnable) out += " \"" + v + "\"";
  return out;
}

}  // namespace quorum::check
