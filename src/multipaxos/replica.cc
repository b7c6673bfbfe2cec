#include "multipaxos/replica.h"

#include <algorithm>

#include "core/split_bounded.h"

namespace quorum::multipaxos {
namespace {

Slot next(Slot s) { return Slot{s.value() + 1}; }

}  // namespace

Replica::Replica(Config config, const DurableState& recovered, RecoveredSnapshot snapshot)
    : config_(std::move(config)),
      prng_(config_.seed),
      role_(Following{kNoNode, 0}),
      promised_(recovered.promised),
      highest_seen_(recovered.promised),
      peer_commit_(kMaxNodes, Slot{0}) {
  QUORUM_ASSERT(config_.quorums.members().contains(config_.self), "replica is not a member");
  QUORUM_ASSERT(recovered.compacted <= snapshot.index,
                "the log was compacted past the snapshot it was given");
  QUORUM_ASSERT(snapshot.index == Slot{0} || snapshot.bytes != nullptr, "a snapshot index without bytes");
  commit_ = applied_ = compacted_ = snapshot.index;
  snapshot_ = std::move(snapshot.bytes);
  for (const auto& [slot, vote] : recovered.accepted) {
    if (slot > compacted_) {
      log_[slot].vote = vote;
      highest_vote_ = std::max(highest_vote_, vote.ballot);
    }
  }
  std::get<Following>(role_).election_ticks_left = random_election_timeout();
  check_invariants();
}

// ---------------------------------------------------------------- plumbing

void Replica::on_durable(std::uint64_t seq) {
  const InvariantGuard guard([this] { check_invariants(); });
  outbox_.acknowledge(seq);
}

Output Replica::take_output() {
  const InvariantGuard guard([this] { check_invariants(); });
  return outbox_.take();
}

std::uint32_t Replica::random_election_timeout() {
  return static_cast<std::uint32_t>(prng_.range(config_.timing.election_timeout_min_ticks,
                                                config_.timing.election_timeout_max_ticks));
}

log::Role Replica::role() const {
  return std::visit(Overloaded{[](const Following&) { return log::Role::kFollower; },
                               [](const Campaigning&) { return log::Role::kCandidate; },
                               [](const Leading&) { return log::Role::kLeader; }},
                    role_);
}

NodeId Replica::leader_hint() const {
  if (const auto* f = std::get_if<Following>(&role_)) return f->leader;
  if (is_leader()) return config_.self;
  return kNoNode;
}

std::optional<Batch> Replica::chosen(Slot s) const {
  auto it = log_.find(s);
  if (it == log_.end()) return std::nullopt;
  return it->second.chosen;
}

std::size_t Replica::pending_commands() const {
  if (const auto* l = std::get_if<Leading>(&role_)) return l->queue.size();
  return 0;
}

void Replica::note_peer_commit(NodeId from, Slot c) {
  Slot& known = peer_commit_[from.value() - 1];
  known = std::max(known, c);
}

// ---------------------------------------------------------------- inputs

void Replica::step(const Envelope& m) {
  const InvariantGuard guard([this] { check_invariants(); });
  QUORUM_ASSERT(m.to == config_.self, "message delivered to the wrong replica");
  if (!config_.quorums.members().contains(m.from)) return;
  std::visit(Overloaded{
                 [&](const Prepare& p) { on_prepare(m.from, p); },
                 [&](const Promise& p) { on_promise(m.from, p); },
                 [&](const Accept& a) { on_accept(m.from, a); },
                 [&](const Accepted& a) { on_accepted(m.from, a); },
                 [&](const Nack& n) { on_nack(n); },
                 [&](const Heartbeat& h) { on_heartbeat(m.from, h); },
                 [&](const HeartbeatReply& h) { on_heartbeat_reply(m.from, h); },
                 [&](const CatchUpRequest& c) { on_catchup_request(m.from, c); },
                 [&](const CatchUpReply& c) { on_catchup_reply(m.from, c); },
                 [&](const SnapshotRequest& r) { on_snapshot_request(m.from, r); },
                 [&](const SnapshotChunk& c) { on_snapshot_chunk(m.from, c); },
                 IgnoredMessages<PaxosMessages, VsrMessages, RuntimeMessages>{},
             },
             m.payload);
}

SubmitResult Replica::submit(Value command) {
  const InvariantGuard guard([this] { check_invariants(); });
  auto* l = std::get_if<Leading>(&role_);
  if (l == nullptr) return {SubmitStatus::kNotLeader, leader_hint()};
  const auto admitted = l->queue.admit(std::move(command), config_.limits);
  if (admitted == log::ProposalQueue::Admit::kQueued && config_.limits.propose_on_submit) propose_pending();
  return {log::ProposalQueue::status(admitted), config_.self};
}

void Replica::tick() {
  const InvariantGuard guard([this] { check_invariants(); });
  ++now_;
  std::visit(Overloaded{
                 [&](Following& f) {
                   if (f.election_ticks_left > 0 && --f.election_ticks_left == 0) start_election();
                 },
                 [&](Campaigning& c) {
                   if (--c.ticks_left == 0) {
                     role_ = Following{kNoNode, random_election_timeout()};
                   }
                 },
                 [&](Leading& l) { tick_leader(l); },
             },
             role_);
  if (catchup_ticks_left_ > 0) --catchup_ticks_left_;
  maybe_catch_up(false);
}

// ---------------------------------------------------------------- acceptor

void Replica::on_prepare(NodeId from, const Prepare& m) {
  observe(m.ballot);
  if (m.ballot < promised_) return outbox_.send_now(from, Nack{m.ballot, promised_});
  if (m.from_slot <= compacted_ && from != config_.self) {
    // The candidate lacks slots we only have in a snapshot, so it could not
    // take over. Promising would still depose the current leader; declining
    // is always safe. Send it the snapshot instead.
    return send_snapshot_chunk(from, 0);
  }
  if (from != config_.self && promise_bytes(m.from_slot) > config_.limits.max_promise_bytes) {
    // The candidate lags so far behind our chosen slots that the Promise
    // would not fit in a message. Declining is safe; help it catch up.
    return on_catchup_request(from, CatchUpRequest{m.from_slot});
  }
  if (m.ballot > promised_) {
    promised_ = m.ballot;
    outbox_.persist(PromiseRecord{m.ballot});
    if (m.ballot.node != config_.self) follow(m.ballot.node);
  }
  // Slots at or below compacted_ are chosen and only in the snapshot; the
  // candidate learns that from `compacted` (and stands down if it lags).
  Promise p{m.ballot, commit_, {}, {}, compacted_};
  for (auto it = log_.lower_bound(m.from_slot); it != log_.end(); ++it) {
    if (it->second.chosen) {
      p.chosen.push_back(SlotValue{it->first, *it->second.chosen});
    } else if (it->second.vote) {
      p.votes.push_back(*it->second.vote);
    }
  }
  outbox_.send_when_durable(from, std::move(p));
}

std::size_t Replica::promise_bytes(Slot from_slot) const {
  std::size_t n = 0;
  for (auto it = log_.lower_bound(from_slot); it != log_.end(); ++it) {
    if (it->second.chosen) {
      n += wire_bytes(*it->second.chosen);
    } else if (it->second.vote) {
      n += wire_bytes(it->second.vote->value);
    }
  }
  return n;
}

void Replica::on_accept(NodeId from, const Accept& m) {
  observe(m.ballot);
  if (m.ballot < promised_) return outbox_.send_now(from, Nack{m.ballot, promised_});
  bool raised = m.ballot > promised_;
  promised_ = m.ballot;
  if (m.ballot.node != config_.self) follow(m.ballot.node);
  Accepted reply{m.ballot, {}, commit_};
  AcceptRecord record{m.ballot, {}};
  for (const SlotValue& e : m.entries) {
    if (e.slot <= compacted_) {
      // Chosen long ago, so this is the chosen value (Consistency): ack it,
      // there is nothing left to vote on.
      reply.slots.push_back(e.slot);
      continue;
    }
    SlotState& s = log_[e.slot];
    if (s.chosen && s.chosen_at && m.ballot >= *s.chosen_at) {
      // Consistency: a ballot at or above the one that chose a slot carries
      // the chosen value (what phase 1 guarantees). A lower ballot may carry
      // anything: its Accept can arrive late, after the slot was chosen.
      QUORUM_INVARIANT("Consistency", *s.chosen == e.value,
                       "slot " + e.slot.to_string() + " was chosen at ballot " + s.chosen_at->to_string() +
                           " but ballot " + m.ballot.to_string() + " proposes a different value");
    }
    if (s.vote && s.vote->ballot == m.ballot) {
      QUORUM_INVARIANT("OneValuePerBallot", s.vote->value == e.value,
                       "ballot " + m.ballot.to_string() + " carried two values for slot " +
                           e.slot.to_string());
    } else {
      record.entries.push_back(e);
      s.vote = SlotVote{e.slot, m.ballot, e.value};
      highest_vote_ = std::max(highest_vote_, m.ballot);
    }
    reply.slots.push_back(e.slot);
  }
  if (!record.entries.empty()) {
    outbox_.persist(std::move(record));
  } else if (raised) {
    outbox_.persist(PromiseRecord{m.ballot});
  }
  learn_commit(m.ballot, m.commit, m.entries);
  reply.commit = commit_;
  outbox_.send_when_durable(from, std::move(reply));
}

void Replica::on_heartbeat(NodeId from, const Heartbeat& m) {
  observe(m.ballot);
  if (m.ballot < promised_) return outbox_.send_now(from, Nack{m.ballot, promised_});
  if (m.ballot.node != config_.self) follow(m.ballot.node);
  note_peer_commit(from, m.commit);
  learn_commit(m.ballot, m.commit);
  outbox_.send_now(from, HeartbeatReply{m.ballot, commit_});
  maybe_catch_up(false);
}

// ---------------------------------------------------------------- leadership

void Replica::follow(NodeId leader) {
  if (is_leader() || std::holds_alternative<Campaigning>(role_)) step_down();
  auto& f = std::get<Following>(role_);
  f.leader = leader;
  f.election_ticks_left = random_election_timeout();
}

void Replica::step_down() {
  if (auto* l = std::get_if<Leading>(&role_)) {
    outbox_.out().stepped_down = true;
    for (Value& v : l->queue.drain()) outbox_.out().dropped.push_back(std::move(v));
  }
  role_ = Following{kNoNode, random_election_timeout()};
}

void Replica::expire_election_timer() {
  const InvariantGuard guard([this] { check_invariants(); });
  if (!is_leader()) start_election();
}

void Replica::expire_lease() {
  const InvariantGuard guard([this] { check_invariants(); });
  if (is_leader()) step_down();
}

void Replica::propose() {
  const InvariantGuard guard([this] { check_invariants(); });
  propose_pending();
}

void Replica::expire_catchup_timer() {
  const InvariantGuard guard([this] { check_invariants(); });
  maybe_catch_up(true);
}

void Replica::expire_heartbeat_timer() {
  const InvariantGuard guard([this] { check_invariants(); });
  const auto* l = std::get_if<Leading>(&role_);
  if (l == nullptr) return;
  announced_commit_ = std::max(announced_commit_, commit_);
  outbox_.broadcast(config_.quorums.members(), Heartbeat{l->ballot, commit_});
}

namespace {

void digest_batch(StateDigest& d, const Batch& b) {
  d.add(b.commands.size());
  for (const Value& c : b.commands) d.add(c);
}

}  // namespace

void Replica::digest(StateDigest& d) const {
  QUORUM_ASSERT(outbox_.gate().held() == 0 && outbox_.gate().durable() == outbox_.gate().issued(),
                "digest taken with a write in flight");
  d.add(std::uint64_t{role_.index()});
  std::visit(Overloaded{
                 [&](const Following& f) { d.add(f.leader.value()); },
                 [&](const Campaigning& c) {
                   d.add(c.ballot);
                   d.add(c.promised);
                   for (const auto& [slot, v] : c.votes) {
                     d.add(slot.value());
                     d.add(v.ballot);
                     digest_batch(d, v.value);
                   }
                   d.separator();
                   for (const auto& [slot, b] : c.chosen) {
                     d.add(slot.value());
                     digest_batch(d, b);
                   }
                   d.separator();
                 },
                 [&](const Leading& l) {
                   d.add(l.ballot);
                   d.add(l.next_slot.value());
                   for (const auto& [slot, p] : l.proposals) {
                     d.add(slot.value());
                     digest_batch(d, p.value);
                     d.add(p.acks);
                   }
                   d.separator();
                   l.queue.digest(d);
                 },
             },
             role_);
  d.add(promised_);
  d.add(highest_seen_);
  d.add(highest_vote_);
  for (const auto& [slot, s] : log_) {
    d.add(slot.value());
    d.add(std::uint64_t{s.vote.has_value()});
    if (s.vote) {
      d.add(s.vote->ballot);
      digest_batch(d, s.vote->value);
    }
    d.add(std::uint64_t{s.chosen.has_value()});
    if (s.chosen) digest_batch(d, *s.chosen);
  }
  d.separator();
  d.add(commit_.value());
  d.add(applied_.value());
  d.add(compacted_.value());
  d.add(snapshot_ ? std::string_view(*snapshot_) : std::string_view());
  incoming_.digest(d);
  for (Slot c : peer_commit_) d.add(c.value());
  d.add(announced_commit_.value());
  d.add(learn_ballot_);
  d.add(learn_ballot_commit_.value());
  d.add(learn_cursor_.value());
}

void Replica::start_election() {
  Ballot b = next_election_ballot();
  // Promising to ourselves first makes the ballot durable before any Prepare
  // leaves, so a restarted replica can never reuse it with other values.
  promised_ = b;
  observe(b);
  outbox_.persist(PromiseRecord{b});
  Campaigning c{b, {}, {}, {}, config_.timing.phase1_timeout_ticks};
  if (config_.bugs.skip_phase1_on_takeover) {
    role_ = std::move(c);
    return become_leader(std::get<Campaigning>(role_));
  }
  role_ = std::move(c);
  for (NodeId to : config_.quorums.members().to_vector()) {
    outbox_.send_when_durable(to, Prepare{b, next(commit_)});
  }
}

void Replica::on_promise(NodeId from, const Promise& m) {
  auto* c = std::get_if<Campaigning>(&role_);
  if (c == nullptr || m.ballot != c->ballot) return;
  note_peer_commit(from, m.commit);
  if (m.compacted > commit_) {
    // The peer forgot slots we do not know: we could not re-propose them.
    // Catch up from a snapshot first; someone more current can lead.
    role_ = Following{kNoNode, random_election_timeout()};
    maybe_catch_up(true);
    return;
  }
  c->promised.insert(from);
  for (const SlotValue& e : m.chosen) c->chosen.emplace(e.slot, e.value);
  for (const SlotVote& v : m.votes) {
    QUORUM_INVARIANT("PromiseIntegrity", v.ballot < m.ballot,
                     "a promise reports a vote not below the promised ballot");
    auto it = c->votes.find(v.slot);
    if (it == c->votes.end() || v.ballot > it->second.ballot) c->votes[v.slot] = v;
  }
  if (config_.quorums.is_phase1_quorum(c->promised)) become_leader(*c);
}

void Replica::become_leader(Campaigning& c) {
  Leading l;
  l.ballot = c.ballot;
  l.last_ack.assign(kMaxNodes, now_);
  // Values reported chosen are adopted as they are. Every other slot gets
  // P2c: the highest-ballot vote reported, or a no-op for a hole.
  for (const auto& [slot, value] : c.chosen) mark_chosen(slot, value);
  Slot last = commit_;
  if (!c.votes.empty()) last = std::max(last, c.votes.rbegin()->first);
  if (!c.chosen.empty()) last = std::max(last, c.chosen.rbegin()->first);
  if (!log_.empty()) last = std::max(last, log_.rbegin()->first);
  if (config_.bugs.skip_phase1_on_takeover) last = commit_;
  std::vector<Slot> reproposed;
  for (std::uint64_t s = commit_.value() + 1; s <= last.value(); ++s) {
    if (log_.count(Slot{s}) != 0 && log_[Slot{s}].chosen) continue;
    auto it = c.votes.find(Slot{s});
    Batch v = it != c.votes.end() ? it->second.value : Batch{};
    // Re-proposed commands are in flight too: a client's retry after the
    // failover must not propose them again.
    for (const Value& cmd : v.commands) l.queue.mark_in_progress(cmd);
    l.inflight_bytes += wire_bytes(v);
    l.proposals[Slot{s}] = Proposal{std::move(v), {}, now_};
    reproposed.push_back(Slot{s});
  }
  l.next_slot = next(last);
  role_ = std::move(l);
  outbox_.out().became_leader = true;
  Leading& leading = std::get<Leading>(role_);
  send_accepts(leading, reproposed, config_.quorums.members());
  advance_commit();
  propose_pending();
}

void Replica::on_nack(const Nack& m) {
  observe(m.promised);
  Ballot mine;
  if (const auto* c = std::get_if<Campaigning>(&role_)) mine = c->ballot;
  if (const auto* l = std::get_if<Leading>(&role_)) mine = l->ballot;
  if (mine.is_zero() || m.ballot != mine || m.promised <= mine) return;
  step_down();
}

void Replica::propose_pending() {
  auto* l = std::get_if<Leading>(&role_);
  if (l == nullptr) return;
  const Limits& lim = config_.limits;
  std::vector<Slot> fresh;
  while (!l->queue.empty() && l->proposals.size() < lim.window_slots &&
         (l->proposals.empty() || l->inflight_bytes < lim.window_bytes)) {
    Batch b = l->queue.take_batch(lim);
    Slot s = l->next_slot;
    l->next_slot = next(s);
    l->inflight_bytes += wire_bytes(b);
    l->proposals[s] = Proposal{std::move(b), {}, now_};
    fresh.push_back(s);
  }
  send_accepts(*l, fresh, config_.quorums.members());
}

void Replica::send_accepts(const Leading& l, const std::vector<Slot>& slots, NodeSet to) {
  if (slots.empty()) return;
  std::vector<SlotValue> entries;
  for (Slot s : slots) entries.push_back(SlotValue{s, l.proposals.at(s).value});
  split_bounded(entries, config_.limits.max_entries_per_message, config_.limits.max_message_bytes,
                [](const SlotValue& e) { return wire_bytes(e.value); },
                [&](std::vector<SlotValue> run) {
                  Accept a{l.ballot, std::move(run), commit_};
                  for (NodeId n : to.to_vector()) outbox_.send_now(n, a);
                });
  NodeSet others = config_.quorums.members();
  others.erase(config_.self);
  if ((to.bits() & others.bits()) == others.bits()) announced_commit_ = std::max(announced_commit_, commit_);
}

void Replica::announce_commit() {
  const InvariantGuard guard([this] { check_invariants(); });
  const auto* l = std::get_if<Leading>(&role_);
  if (l == nullptr || commit_ <= announced_commit_) return;
  announced_commit_ = commit_;
  outbox_.broadcast(config_.quorums.members(), Heartbeat{l->ballot, commit_});
}

void Replica::on_accepted(NodeId from, const Accepted& m) {
  note_peer_commit(from, m.commit);
  auto* l = std::get_if<Leading>(&role_);
  if (l == nullptr || m.ballot != l->ballot) return;
  l->last_ack[from.value() - 1] = now_;
  for (Slot s : m.slots) {
    auto it = l->proposals.find(s);
    if (it == l->proposals.end()) continue;
    it->second.acks.insert(from);
    bool chosen = config_.bugs.commit_before_quorum
                      ? !it->second.acks.empty()
                      : config_.quorums.is_phase2_quorum(it->second.acks);
    if (!chosen) continue;
    Batch v = std::move(it->second.value);
    l->inflight_bytes -= std::min(l->inflight_bytes, wire_bytes(v));
    l->proposals.erase(it);
    for (const Value& cmd : v.commands) l->queue.finish(cmd);
    mark_chosen(s, v, l->ballot);
  }
  advance_commit();
  propose_pending();
}

void Replica::on_heartbeat_reply(NodeId from, const HeartbeatReply& m) {
  note_peer_commit(from, m.commit);
  auto* l = std::get_if<Leading>(&role_);
  if (l == nullptr || m.ballot != l->ballot) return;
  l->last_ack[from.value() - 1] = now_;
}

void Replica::tick_leader(Leading& l) {
  const Timing& t = config_.timing;
  // Lease: step down unless a quorum (counting ourselves) was heard lately.
  NodeSet heard{config_.self};
  for (NodeId n : config_.quorums.members().to_vector()) {
    if (now_ - l.last_ack[n.value() - 1] <= t.leader_lease_ticks) heard.insert(n);
  }
  if (!config_.quorums.is_phase2_quorum(heard)) return step_down();

  if (l.heartbeat_ticks_left == 0) {
    l.heartbeat_ticks_left = t.heartbeat_ticks;
    announced_commit_ = std::max(announced_commit_, commit_);
    outbox_.broadcast(config_.quorums.members(), Heartbeat{l.ballot, commit_});
  }
  --l.heartbeat_ticks_left;

  // Resend Accepts that have waited too long, to those that did not ack.
  std::map<std::uint64_t, std::vector<Slot>> resend;  // by missing-ack set
  for (auto& [slot, p] : l.proposals) {
    if (now_ - p.sent_tick < t.accept_retry_ticks) continue;
    p.sent_tick = now_;
    NodeSet missing = NodeSet::from_bits(config_.quorums.members().bits() & ~p.acks.bits());
    resend[missing.bits()].push_back(slot);
  }
  for (const auto& [bits, slots] : resend) send_accepts(l, slots, NodeSet::from_bits(bits));
}

// ---------------------------------------------------------------- learner

void Replica::learn_commit(Ballot leader_ballot, Slot leader_commit,
                           const std::vector<SlotValue>& voted) {
  // A vote from the leader's own ballot at a slot it reports committed is the
  // chosen value: one ballot proposes one value per slot.
  if (leader_ballot != learn_ballot_) {
    learn_ballot_ = leader_ballot;
    learn_ballot_commit_ = Slot{0};
    learn_cursor_ = commit_;
  }
  learn_ballot_commit_ = std::max(learn_ballot_commit_, leader_commit);
  auto learn = [&](Slot slot, SlotState& s) {
    if (!s.chosen && s.vote && s.vote->ballot == leader_ballot) mark_chosen(slot, s.vote->value, leader_ballot);
  };
  for (const SlotValue& e : voted) {
    if (e.slot <= commit_ || e.slot > learn_ballot_commit_) continue;
    auto it = log_.find(e.slot);
    if (it != log_.end()) learn(it->first, it->second);
  }
  for (auto it = log_.upper_bound(std::max(commit_, learn_cursor_));
       it != log_.end() && it->first <= learn_ballot_commit_; ++it) {
    learn(it->first, it->second);
  }
  learn_cursor_ = std::max(learn_cursor_, learn_ballot_commit_);
  advance_commit();
}

void Replica::mark_chosen(Slot slot, const Batch& v, std::optional<Ballot> at) {
  if (slot <= compacted_) return;  // in the snapshot already
  SlotState& s = log_[slot];
  // The lowest ballot it is known chosen at makes the strongest check.
  if (at && (!s.chosen_at || *at < *s.chosen_at)) s.chosen_at = at;
  if (s.chosen) {
    QUORUM_INVARIANT("Agreement", *s.chosen == v,
                     "slot " + slot.to_string() + " was chosen twice with different values");
    return;
  }
  s.chosen = v;
  if (config_.bugs.apply_out_of_order && slot > applied_) {
    // Broken variant: hand the slot to the state machine right away.
    outbox_.out().committed.push_back(SlotValue{slot, v});
  }
}

void Replica::advance_commit() {
  Slot before = commit_;
  for (auto it = log_.find(next(commit_)); it != log_.end() && it->first == next(commit_) &&
                                           it->second.chosen;
       it = log_.find(next(commit_))) {
    commit_ = it->first;
  }
  QUORUM_INVARIANT("CommitMonotonic", commit_ >= before, "commit index went backwards");
  for (std::uint64_t s = applied_.value() + 1; s <= commit_.value(); ++s) {
    if (!config_.bugs.apply_out_of_order) outbox_.out().committed.push_back(SlotValue{Slot{s}, *log_[Slot{s}].chosen});
  }
  applied_ = commit_;
}

void Replica::maybe_catch_up(bool now) {
  if (!now && catchup_ticks_left_ > 0) return;
  NodeId best = kNoNode;
  Slot best_commit = commit_;
  for (NodeId n : config_.quorums.members().to_vector()) {
    if (n != config_.self && peer_commit_[n.value() - 1] > best_commit) {
      best = n;
      best_commit = peer_commit_[n.value() - 1];
    }
  }
  // Prefer the leader we follow when it is ahead: the highest commit index
  // heard may come from a peer that has since crashed, and asking only it
  // would never finish while it stays down.
  NodeId leader = leader_hint();
  if (leader != kNoNode && leader != config_.self && peer_commit_[leader.value() - 1] > commit_) {
    best = leader;
  }
  if (best == kNoNode) return;
  if (incoming_.active()) {
    // Resume a snapshot transfer (a lost chunk, or its sender went away).
    outbox_.send_now(best, incoming_.next_request());
  } else {
    outbox_.send_now(best, CatchUpRequest{next(commit_)});
  }
  catchup_ticks_left_ = config_.timing.catchup_retry_ticks;
}

void Replica::on_catchup_request(NodeId from, const CatchUpRequest& m) {
  if (m.from_slot <= compacted_) return send_snapshot_chunk(from, 0);
  CatchUpReply r{{}, commit_};
  std::size_t bytes = 0;
  for (std::uint64_t s = m.from_slot.value();
       s <= commit_.value() && r.chosen.size() < config_.limits.max_entries_per_message; ++s) {
    const Batch& v = *log_.at(Slot{s}).chosen;
    if (!r.chosen.empty() && bytes + wire_bytes(v) > config_.limits.max_message_bytes) break;
    bytes += wire_bytes(v);
    r.chosen.push_back(SlotValue{Slot{s}, v});
  }
  outbox_.send_now(from, std::move(r));
}

void Replica::on_catchup_reply(NodeId from, const CatchUpReply& m) {
  note_peer_commit(from, m.commit);
  for (const SlotValue& e : m.chosen) {
    if (e.slot > m.commit) break;  // a reply only vouches for its sender's commit index
    mark_chosen(e.slot, e.value);
  }
  advance_commit();
  if (!m.chosen.empty()) maybe_catch_up(true);
}

// ---------------------------------------------------------------- snapshots

void Replica::compact(Slot upto, std::shared_ptr<const std::string> snapshot) {
  const InvariantGuard guard([this] { check_invariants(); });
  QUORUM_ASSERT(upto <= applied_, "compacting slots that were not applied");
  QUORUM_ASSERT(upto >= compacted_, "compacting to before the last compaction");
  QUORUM_ASSERT(snapshot != nullptr, "compacting without a snapshot");
  compacted_ = upto;
  snapshot_ = std::move(snapshot);
  log_.erase(log_.begin(), log_.upper_bound(upto));
  // Restate the promise and every remaining vote after the compaction point,
  // a bounded number of votes per record.
  std::vector<SlotVote> votes;
  for (const auto& [slot, st] : log_) {
    if (st.vote) votes.push_back(*st.vote);
  }
  split_bounded(votes, config_.limits.max_entries_per_message, config_.limits.max_message_bytes,
                [](const SlotVote& v) { return wire_bytes(v.value); },
                [&](std::vector<SlotVote> run) { outbox_.persist(CompactRecord{promised_, upto, std::move(run)}); });
}

void Replica::send_snapshot_chunk(NodeId to, std::uint64_t offset) {
  QUORUM_ASSERT(snapshot_ != nullptr, "compacted without a snapshot to serve");
  auto chunk = log::snapshot_chunk(*snapshot_, compacted_, offset, config_.limits.snapshot_chunk_bytes, commit_);
  if (chunk) outbox_.send_now(to, std::move(*chunk));
}

void Replica::on_snapshot_request(NodeId from, const SnapshotRequest& m) {
  if (snapshot_ != nullptr) send_snapshot_chunk(from, log::serve_offset(m, compacted_));
}

void Replica::on_snapshot_chunk(NodeId from, const SnapshotChunk& m) {
  note_peer_commit(from, m.commit);
  if (m.index <= commit_) return;
  switch (incoming_.receive(m)) {
    case SnapshotReceiver::Step::kIgnored:
      return;
    case SnapshotReceiver::Step::kComplete:
      return install_snapshot();
    case SnapshotReceiver::Step::kMore:
      outbox_.send_now(from, incoming_.next_request());
      catchup_ticks_left_ = config_.timing.catchup_retry_ticks;
      return;
  }
}

void Replica::install_snapshot() {
  SnapshotReceiver::Snapshot in = incoming_.take();
  if (!std::holds_alternative<Following>(role_)) step_down();
  // Slots already handed out as committed are all below the snapshot, which
  // replaces their effect; the harness restores it before `committed`.
  outbox_.out().committed.clear();
  log_.erase(log_.begin(), log_.upper_bound(in.index));
  commit_ = applied_ = compacted_ = in.index;
  snapshot_ = std::make_shared<const std::string>(std::move(in.bytes));
  outbox_.out().snapshot = SnapshotInstall{in.index, snapshot_};
  // Slots above the snapshot may already be known chosen.
  advance_commit();
  maybe_catch_up(true);
}

void Replica::check_invariants() const {
  QUORUM_INVARIANT("CompactedPrefix", compacted_ <= commit_ && (log_.empty() || log_.begin()->first > compacted_),
                   "the log holds a slot its snapshot covers, or the snapshot is ahead of the commit index");
  // O(1), not a walk of the log: this runs after every step, and a replica
  // far behind (or just restarted) holds tens of thousands of votes.
  QUORUM_INVARIANT("PromiseIntegrity", highest_vote_ <= promised_,
                   "a vote at " + highest_vote_.to_string() + " above the promise " + promised_.to_string());
  QUORUM_INVARIANT("AppliedPrefix", applied_ == commit_, "applied and commit index diverged");
  if (const auto* l = std::get_if<Leading>(&role_)) {
    QUORUM_INVARIANT("LeaderBallot", l->ballot <= promised_, "leading with a ballot below the promise");
  }
}

}  // namespace quorum::multipaxos
