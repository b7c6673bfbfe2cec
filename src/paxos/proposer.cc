#include "paxos/proposer.h"

#include <algorithm>

namespace quorum::paxos {

Proposer::Proposer(const Config& config, std::uint64_t recovered_round)
    : self_(config.self),
      quorums_(config.quorums),
      owners_(config.ballot_owners()),
      timing_(config.timing),
      bugs_(config.bugs),
      prng_(config.seed),
      last_ballot_(recovered_round == 0 ? Ballot::zero() : Ballot{recovered_round, config.self}),
      backoff_ticks_(config.timing.backoff_min_ticks) {}

std::optional<Proposer::Action> Proposer::propose(Value v) {
  if (value_ || std::holds_alternative<Done>(phase_)) return std::nullopt;
  value_ = std::move(v);
  return start_phase1();
}

void Proposer::observe(Ballot b) { highest_seen_ = std::max(highest_seen_, b); }

std::optional<Ballot> Proposer::current_ballot() const {
  if (auto* p = std::get_if<Preparing>(&phase_)) return p->ballot;
  if (auto* a = std::get_if<Accepting>(&phase_)) return a->ballot;
  return std::nullopt;
}

bool Proposer::timer_running() const {
  return std::holds_alternative<Preparing>(phase_) || std::holds_alternative<Accepting>(phase_) ||
         std::holds_alternative<Backoff>(phase_);
}

std::optional<Proposer::Action> Proposer::expire() {
  if (!timer_running()) return std::nullopt;
  return start_phase1();
}

void Proposer::digest(StateDigest& d) const {
  d.add(std::uint64_t{phase_.index()});
  if (const auto* p = std::get_if<Preparing>(&phase_)) {
    d.add(p->ballot);
    d.add(p->promised);
    d.add(std::uint64_t{p->highest.has_value()});
    if (p->highest) {
      d.add(p->highest->ballot);
      d.add(p->highest->value);
    }
  } else if (const auto* a = std::get_if<Accepting>(&phase_)) {
    d.add(a->ballot);
    d.add(a->value);
  }
  d.add(value_);
  d.add(last_ballot_);
  d.add(highest_seen_);
}

Ballot Proposer::next_ballot() const {
  Ballot next = std::max(last_ballot_, highest_seen_).successor(self_);
  // Never round 0: a persisted proposer_round of 0 recovers as "never
  // proposed", so a crashed proposer would reuse a round-0 ballot (possibly
  // with another value). {1, self} is above every round-0 ballot.
  if (next.round == 0) next = Ballot{1, self_};
  return next;
}

Proposer::Action Proposer::start_phase1() {
  Ballot next = next_ballot();
  QUORUM_ASSERT(owners_.contains(self_), "a node that owns no ballots proposed");
  QUORUM_INVARIANT("BallotMonotonic", next > last_ballot_, "proposer reused a ballot");
  last_ballot_ = next;
  phase_ = Preparing{next, {}, std::nullopt, timing_.phase_timeout_ticks};
  return Action{Prepare{next}, true};
}

std::optional<Proposer::Action> Proposer::on_promise(NodeId from, const Promise& m) {
  auto* p = std::get_if<Preparing>(&phase_);
  if (p == nullptr || m.ballot != p->ballot) return std::nullopt;  // stale
  if (!quorums_.members().contains(from)) return std::nullopt;
  p->promised.insert(from);
  if (m.accepted && !bugs_.no_value_adoption) {
    QUORUM_INVARIANT("PromiseIntegrity", m.accepted->ballot < m.ballot,
                     "promise reports an accepted ballot not below the promise");
    if (!p->highest || m.accepted->ballot > p->highest->ballot) p->highest = m.accepted;
  }
  if (!quorums_.is_phase1_quorum(p->promised)) return std::nullopt;
  // P2c: the value of the highest-numbered proposal among the promises, or
  // our own value when no acceptor in the quorum accepted anything.
  Value v = p->highest ? p->highest->value : *value_;
  Ballot b = p->ballot;
  phase_ = Accepting{b, v, timing_.phase_timeout_ticks};
  return Action{Accept{b, std::move(v)}, false};
}

std::optional<Proposer::Action> Proposer::on_nack(const Nack& m) {
  observe(m.promised);
  auto b = current_ballot();
  if (!b || m.ballot != *b) return std::nullopt;  // a Nack for an older attempt
  back_off();
  return std::nullopt;
}

void Proposer::back_off() {
  std::uint32_t wait = static_cast<std::uint32_t>(prng_.range(backoff_ticks_, 2 * backoff_ticks_));
  backoff_ticks_ = std::min(backoff_ticks_ * 2, timing_.backoff_max_ticks);
  phase_ = Backoff{wait};
}

std::optional<Proposer::Action> Proposer::tick() {
  return std::visit(
      Overloaded{
          [](Idle&) -> std::optional<Action> { return std::nullopt; },
          [](Done&) -> std::optional<Action> { return std::nullopt; },
          [&](Preparing& p) -> std::optional<Action> {
            if (--p.ticks_left == 0) back_off();
            return std::nullopt;
          },
          [&](Accepting& a) -> std::optional<Action> {
            if (--a.ticks_left == 0) back_off();
            return std::nullopt;
          },
          [&](Backoff& w) -> std::optional<Action> {
            if (w.ticks_left > 0 && --w.ticks_left > 0) return std::nullopt;
            return start_phase1();
          },
      },
      phase_);
}

}  // namespace quorum::paxos
