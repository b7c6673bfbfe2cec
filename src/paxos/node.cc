#include "paxos/node.h"

#include <algorithm>

#include "core/invariant_guard.h"

namespace quorum::paxos {
namespace {

AcceptorState acceptor_state(const std::optional<HardState>& hs) {
  if (!hs) return {};
  return {hs->promised, hs->accepted};
}

}  // namespace

Node::Node(Config config, const std::optional<HardState>& recovered)
    : config_(std::move(config)),
      acceptor_(acceptor_state(recovered), config_.bugs),
      proposer_(config_, recovered ? recovered->proposer_round : 0),
      // The broken variant is a consecutive learner by definition.
      learner_(config_.quorums,
               config_.bugs.consecutive_with_gaps ? LearnerRule::kConsecutive : config_.learner,
               config_.ballot_owners(), config_.bugs.consecutive_with_gaps),
      query_interval_(config_.timing.learn_query_ticks) {
  QUORUM_ASSERT(config_.quorums.members().contains(config_.self), "node is not a member");
  proposer_.observe(acceptor_.state().promised);
  check_invariants();
}

HardState Node::hard_state() const {
  return HardState{acceptor_.state().promised, acceptor_.state().accepted, proposer_.round()};
}

std::uint64_t Node::persist() {
  out_.writes.push_back(Write{gate_.issue(), hard_state()});
  return gate_.issued();
}

void Node::send_now(NodeId to, Payload p) {
  out_.messages.push_back(Envelope{config_.self, to, std::move(p)});
}

// Held until every write issued so far is durable: the reply may depend on any
// of them (a duplicate Prepare re-promises a ballot whose write is in flight).
void Node::send_when_durable(NodeId to, Payload p) {
  gate_.send(Envelope{config_.self, to, std::move(p)}, out_.messages);
}

void Node::broadcast(const Payload& p, bool when_durable) {
  for (NodeId to : config_.quorums.members().to_vector()) {
    if (when_durable) {
      send_when_durable(to, p);
    } else {
      send_now(to, p);
    }
  }
}

void Node::run(std::optional<Proposer::Action> action) {
  if (!action) return;
  if (action->new_ballot) persist();
  broadcast(action->broadcast, action->new_ballot);
}

void Node::on_learned() {
  learned_once_ = true;
  proposer_.stop();
  out_.learned = learner_.learned();
}

void Node::propose(Value v) {
  const InvariantGuard guard([this] { check_invariants(); });
  if (learner_.learned()) return;
  query_interval_ = config_.timing.learn_query_ticks;
  run(proposer_.propose(std::move(v)));
}

void Node::step(const Envelope& m) {
  const InvariantGuard guard([this] { check_invariants(); });
  QUORUM_ASSERT(m.to == config_.self, "message delivered to the wrong node");
  if (!config_.quorums.members().contains(m.from)) return;  // not a member: ignore
  query_interval_ = config_.timing.learn_query_ticks;
  std::visit(Overloaded{
                 [&](const Prepare& p) {
                   proposer_.observe(p.ballot);
                   auto r = acceptor_.on_prepare(p);
                   if (r.changed) persist();
                   send_when_durable(m.from, std::move(r.reply));
                 },
                 [&](const Accept& a) {
                   proposer_.observe(a.ballot);
                   auto r = acceptor_.on_accept(a);
                   if (r.changed) persist();
                   if (std::holds_alternative<Accepted>(r.reply)) {
                     broadcast(r.reply, true);  // every node is a learner
                   } else {
                     send_when_durable(m.from, std::move(r.reply));
                   }
                 },
                 [&](const Promise& p) { run(proposer_.on_promise(m.from, p)); },
                 [&](const Nack& n) { run(proposer_.on_nack(n)); },
                 [&](const Accepted& a) {
                   proposer_.observe(a.ballot);
                   if (learner_.on_accepted(m.from, a)) on_learned();
                 },
                 [&](const LearnQuery&) {
                   if (learner_.learned()) {
                     send_now(m.from, Decided{*learner_.learned()});
                   } else if (acceptor_.state().accepted) {
                     const Proposal& acc = *acceptor_.state().accepted;
                     send_when_durable(m.from, Accepted{acc.ballot, acc.value});
                   }
                 },
                 [&](const Decided& d) {
                   if (learner_.on_decided(d)) on_learned();
                 },
                 IgnoredMessages<MultiPaxosMessages, LogMessages, VsrMessages, RuntimeMessages>{},
             },
             m.payload);
}

void Node::tick() {
  const InvariantGuard guard([this] { check_invariants(); });
  run(proposer_.tick());
  if (learner_.learned()) return;
  // Until it learns, a node asks its peers now and then. The interval doubles
  // while nothing happens (an idle cluster stays nearly quiet) and snaps back
  // when protocol traffic shows a decision may be near.
  if (++query_ticks_ >= query_interval_) {
    query_ticks_ = 0;
    query_interval_ = std::min(query_interval_ * 2, config_.timing.learn_query_max_ticks);
    for (NodeId to : config_.quorums.members().to_vector()) {
      if (to != config_.self) send_now(to, LearnQuery{});
    }
  }
}

void Node::expire_timer() {
  const InvariantGuard guard([this] { check_invariants(); });
  if (learner_.learned()) return;
  run(proposer_.expire());
}

void Node::digest(StateDigest& d) const {
  QUORUM_ASSERT(gate_.held() == 0 && gate_.durable() == gate_.issued(),
                "digest taken with a write in flight");
  acceptor_.digest(d);
  proposer_.digest(d);
  learner_.digest(d);
}

void Node::on_durable(std::uint64_t seq) {
  const InvariantGuard guard([this] { check_invariants(); });
  gate_.acknowledge(seq, out_.messages);
}

Output Node::take_output() {
  const InvariantGuard guard([this] { check_invariants(); });
  Output o = std::move(out_);
  out_ = Output{};
  return o;
}

void Node::check_invariants() const {
  const AcceptorState& a = acceptor_.state();
  QUORUM_INVARIANT("PromiseIntegrity", !a.accepted || a.accepted->ballot <= a.promised,
                   "accepted ballot " + (a.accepted ? a.accepted->ballot.to_string() : std::string()) +
                       " above the promise " + a.promised.to_string());
  QUORUM_INVARIANT("LearnedStays", !learned_once_ || learner_.learned().has_value(), "a learner forgot its value");
  QUORUM_INVARIANT("DurableNotAhead", gate_.durable() <= gate_.issued(), "durable past the writes issued");
}

}  // namespace quorum::paxos
