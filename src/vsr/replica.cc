#include "vsr/replica.h"

#include <algorithm>
#include <tuple>

#include "core/split_bounded.h"

namespace quorum::vsr {
namespace {

Slot next(Slot s) { return Slot{s.value() + 1}; }

std::size_t entry_bytes(const SlotValue& e) { return wire_bytes(e.value); }

// Retries in a row without a new snapshot byte before a transfer starts over.
constexpr std::uint32_t kSnapshotStalledRetries = 4;

}  // namespace

Replica::Replica(Config config, const DurableState& recovered, RecoveredSnapshot snapshot)
    : config_(std::move(config)),
      prng_(config_.seed),
      n_(config_.quorums.size()),
      view_(recovered.view),
      log_view_(recovered.log_view),
      status_(Backup{}) {
  QUORUM_ASSERT(config_.quorums.members() == NodeSet::first_n(n_), "VSR members must be 1..n");
  QUORUM_ASSERT(config_.quorums.members().contains(config_.self), "replica is not a member");
  QUORUM_ASSERT(recovered.compacted <= snapshot.index, "the log was compacted past the snapshot it was given");
  QUORUM_ASSERT(snapshot.index == Slot{0} || snapshot.bytes != nullptr, "a snapshot index without bytes");
  compacted_ = applied_ = snapshot.index;
  snapshot_ = std::move(snapshot.bytes);
  for (const auto& [op, batch] : recovered.log) {
    if (op > compacted_) log_[op] = batch;
  }
  op_ = log_.empty() ? compacted_ : std::max(compacted_, log_.rbegin()->first);
  commit_ = std::max(compacted_, std::min(recovered.commit, op_));
  const bool fresh = !recovered.any && snapshot_ == nullptr;
  const bool was_primary = log_view_ == view_ && primary_of(view_) == config_.self;
  if (log_view_ == view_ && (fresh || !was_primary)) {
    if (was_primary) {
      // The first start of the primary of view 0.
      Primary p;
      p.acked.assign(kMaxNodes, Slot{0});
      p.last_acked_seen.assign(kMaxNodes, Slot{0});
      p.durable_op = op_;
      p.announced_commit = commit_;
      p.heartbeat_ticks_left = 1;
      status_ = std::move(p);
      outbox_.out().became_leader = true;
    } else {
      status_ = Backup{};
    }
  } else {
    status_ = ViewChange{};
  }
  advance_commit();  // the ops the disk says are committed leave again
  if (fresh) {
    // A first start. The primary of view 0 proposes only once this record is
    // durable, so a later start always finds a record and knows it is a restart.
    boot_seq_ = outbox_.persist(ViewRecord{view_, log_view_});
  }
  if (!fresh && was_primary) {
    // It was the primary, and may have sent Prepares for ops its disk lost
    // in the crash (the primary prepares in parallel with its own fsync),
    // which backups may even have committed. Resuming would reuse those op
    // numbers: hand the view over instead.
    start_view_change(View{view_.value() + 1});
  } else if (auto* vc = std::get_if<ViewChange>(&status_)) {
    // It had joined a view change when it stopped: carry on with it.
    vc->svc_from.insert(config_.self);
    outbox_.broadcast(config_.quorums.members(), StartViewChange{view_});
  }
  reset_timer();
  check_invariants();
}

// ---------------------------------------------------------------- plumbing

NodeId Replica::primary_of(View v) const {
  return NodeId{static_cast<std::uint32_t>(v.value() % n_) + 1};
}

log::Role Replica::role() const {
  return std::visit(Overloaded{[](const Primary&) { return log::Role::kLeader; },
                               [](const Backup&) { return log::Role::kFollower; },
                               [](const Transfer&) { return log::Role::kCatchingUp; },
                               [](const ViewChange&) { return log::Role::kCandidate; }},
                    status_);
}

NodeId Replica::leader_hint() const {
  return std::holds_alternative<ViewChange>(status_) ? kNoNode : primary_of(view_);
}

std::size_t Replica::pending_commands() const {
  const auto* p = std::get_if<Primary>(&status_);
  return p == nullptr ? 0 : p->queue.size();
}

Slot Replica::peer_commit(NodeId peer) const {
  const auto* p = std::get_if<Primary>(&status_);
  return p == nullptr ? Slot{0} : p->acked[peer.value() - 1];
}

std::optional<Batch> Replica::entry(Slot op) const {
  auto it = log_.find(op);
  if (it == log_.end()) return std::nullopt;
  return it->second;
}

void Replica::on_durable(std::uint64_t seq) {
  const InvariantGuard guard([this] { check_invariants(); });
  outbox_.acknowledge(seq);
  if (auto* p = std::get_if<Primary>(&status_)) {
    while (!p->log_writes.empty() && p->log_writes.front().first <= seq) {
      p->durable_op = p->log_writes.front().second;
      p->log_writes.pop_front();
    }
    advance_commit();
    propose_ops();
  }
}

Output Replica::take_output() {
  const InvariantGuard guard([this] { check_invariants(); });
  return outbox_.take();
}

std::uint32_t Replica::random_view_timeout() {
  return static_cast<std::uint32_t>(
      prng_.range(config_.timing.election_timeout_min_ticks, config_.timing.election_timeout_max_ticks));
}

std::uint32_t* Replica::view_timer() {
  return std::visit(Overloaded{[](Primary&) -> std::uint32_t* { return nullptr; },
                               [](Backup& b) { return &b.silence_ticks_left; },
                               [](Transfer& t) { return &t.silence_ticks_left; },
                               [](ViewChange& v) { return &v.progress_ticks_left; }},
                    status_);
}

void Replica::reset_timer() {
  const std::uint32_t ticks = random_view_timeout();
  if (std::uint32_t* timer = view_timer()) *timer = ticks;
}

void Replica::step(const Envelope& m) {
  const InvariantGuard guard([this] { check_invariants(); });
  if (m.from == config_.self || !config_.quorums.members().contains(m.from)) return;
  std::visit(Overloaded{
                 [&](const Prepare& p) { on_prepare(m.from, p); },
                 [&](const PrepareOk& p) { on_prepare_ok(m.from, p); },
                 [&](const Commit& c) { on_commit(m.from, c); },
                 [&](const StartViewChange& s) { on_start_view_change(m.from, s); },
                 [&](const DoViewChange& d) { on_do_view_change(m.from, d); },
                 [&](const StartView& s) { on_start_view(m.from, s); },
                 [&](const GetState& g) { on_get_state(m.from, g); },
                 [&](const NewState& s) { on_new_state(m.from, s); },
                 [&](const log::SnapshotRequest& r) { on_snapshot_request(m.from, r); },
                 [&](const log::SnapshotChunk& c) { on_snapshot_chunk(m.from, c); },
                 IgnoredMessages<PaxosMessages, MultiPaxosMessages, RuntimeMessages>{},
             },
             m.payload);
}

void Replica::tick() {
  const InvariantGuard guard([this] { check_invariants(); });
  if (auto* p = std::get_if<Primary>(&status_)) {
    if (p->heartbeat_ticks_left == 0 || --p->heartbeat_ticks_left == 0) send_heartbeat();
    if (p->retry_ticks_left == 0 || --p->retry_ticks_left == 0) {
      p->retry_ticks_left = config_.timing.accept_retry_ticks;
      // Resend only to backups that acknowledged nothing new since the last
      // round: the others are keeping up, and their PrepareOks are on the way.
      for (NodeId to : config_.quorums.members().to_vector()) {
        Slot& seen = p->last_acked_seen[to.value() - 1];
        const Slot acked = p->acked[to.value() - 1];
        if (to != config_.self && acked < op_ && acked == seen) send_prepares(to, acked);
        seen = acked;
      }
    }
  } else if (std::uint32_t* timer = view_timer(); *timer > 0 && --*timer == 0) {
    return start_view_change(View{view_.value() + 1});
  }
  std::uint32_t* retry = nullptr;
  if (auto* t = std::get_if<Transfer>(&status_)) retry = &t->retry_ticks_left;
  if (auto* v = std::get_if<ViewChange>(&status_); v != nullptr && v->fetch_from != kNoNode) {
    retry = &v->retry_ticks_left;
  }
  if (retry != nullptr && *retry > 0 && --*retry == 0) {
    const bool moved = incoming_.active() && incoming_.next_request().offset > snapshot_offset_at_retry_;
    snapshot_stalled_retries_ = moved ? 0 : snapshot_stalled_retries_ + 1;
    if (incoming_.active() && snapshot_stalled_retries_ < kSnapshotStalledRetries) {
      // A snapshot transfer that lost a chunk asks for it again and carries
      // on from there.
      snapshot_offset_at_retry_ = incoming_.next_request().offset;
      *retry = config_.timing.catchup_retry_ticks;
      const auto* vc = std::get_if<ViewChange>(&status_);
      outbox_.send_now(vc != nullptr ? vc->fetch_from : primary_of(view_), incoming_.next_request());
    } else {
      // Nothing in progress, or a transfer that has not moved for several
      // retries (its sender went away, or no longer has that snapshot):
      // start over by asking for the state.
      incoming_.reset();
      snapshot_offset_at_retry_ = 0;
      snapshot_stalled_retries_ = 0;
      request_state();
    }
  }
}

// ---------------------------------------------------------------- normal operation

SubmitResult Replica::submit(Value command) {
  const InvariantGuard guard([this] { check_invariants(); });
  auto* p = std::get_if<Primary>(&status_);
  if (p == nullptr) return {SubmitStatus::kNotLeader, leader_hint()};
  const auto admitted = p->queue.admit(std::move(command), config_.limits);
  if (admitted == log::ProposalQueue::Admit::kQueued && config_.limits.propose_on_submit) propose_ops();
  return {log::ProposalQueue::status(admitted), config_.self};
}

void Replica::propose() {
  const InvariantGuard guard([this] { check_invariants(); });
  propose_ops();
}

void Replica::propose_ops() {
  auto* p = std::get_if<Primary>(&status_);
  if (p == nullptr || p->queue.empty() || outbox_.gate().durable() < boot_seq_) return;
  std::size_t inflight = 0;
  for (auto it = log_.upper_bound(commit_); it != log_.end(); ++it) inflight += wire_bytes(it->second);
  std::vector<SlotValue> fresh;
  Slot last = op_;
  while (!p->queue.empty() && last.value() - commit_.value() < config_.limits.window_slots &&
         inflight < config_.limits.window_bytes) {
    Batch b = p->queue.take_batch(config_.limits);
    last = next(last);
    inflight += wire_bytes(b);
    fresh.push_back(SlotValue{last, std::move(b)});
  }
  if (fresh.empty()) return;
  std::vector<SlotValue> copy = fresh;
  replace_log(op_, std::move(copy));
  split_bounded(fresh, config_.limits.max_entries_per_message, config_.limits.max_message_bytes, entry_bytes,
                [&](std::vector<SlotValue> run) { outbox_.broadcast(config_.quorums.members(), Prepare{view_, std::move(run), commit_}); });
  p->announced_commit = commit_;
}

void Replica::announce_commit() {
  const InvariantGuard guard([this] { check_invariants(); });
  auto* p = std::get_if<Primary>(&status_);
  if (p == nullptr || commit_ <= p->announced_commit) return;
  p->announced_commit = commit_;
  outbox_.broadcast(config_.quorums.members(), Commit{view_, commit_});
}

void Replica::expire_view_timer() {
  const InvariantGuard guard([this] { check_invariants(); });
  start_view_change(View{view_.value() + 1});
}

void Replica::expire_transfer_timer() {
  const InvariantGuard guard([this] { check_invariants(); });
  request_state();
}

void Replica::expire_heartbeat_timer() {
  const InvariantGuard guard([this] { check_invariants(); });
  send_heartbeat();
}

void Replica::send_heartbeat() {
  auto* p = std::get_if<Primary>(&status_);
  if (p == nullptr) return;
  p->heartbeat_ticks_left = config_.timing.heartbeat_ticks;
  p->announced_commit = commit_;
  outbox_.broadcast(config_.quorums.members(), Commit{view_, commit_});
}

void Replica::send_prepares(NodeId to, Slot after) {
  after = std::max(after, compacted_);
  if (after >= op_) return;
  std::vector<SlotValue> run =
      entries_between(after, op_, config_.limits.max_entries_per_message, config_.limits.max_message_bytes);
  if (!run.empty()) outbox_.send_now(to, Prepare{view_, std::move(run), commit_});
}

bool Replica::accept_view(View v) {
  if (v < view_) return false;
  if (v == view_ && !std::holds_alternative<ViewChange>(status_)) {
    reset_timer();
    return !transferring();
  }
  // The primary of v is normal in v, so v's view change is over and this
  // replica missed its StartView: fetch the log instead.
  become_backup_of(v);
  request_state();
  return false;
}

void Replica::become_backup_of(View v) {
  drop_pending();
  view_ = v;
  status_ = Transfer{};
  reset_timer();
}

void Replica::start_transfer() {
  const auto* b = std::get_if<Backup>(&status_);
  QUORUM_ASSERT(b != nullptr, "only a backup starts a state transfer");
  status_ = Transfer{b->silence_ticks_left, 0};
  request_state();
}

void Replica::on_prepare(NodeId from, const Prepare& m) {
  if (from != primary_of(m.view) || m.entries.empty()) return;
  if (!accept_view(m.view) || is_leader()) return;
  const Slot first = m.entries.front().slot;
  const Slot last = m.entries.back().slot;
  if (last > op_) {
    if (first > next(op_) && !config_.bugs.accept_gap) {
      // Ops are numbered without gaps: one is missing, so fetch it.
      return start_transfer();
    }
    std::vector<SlotValue> fresh;
    for (const SlotValue& e : m.entries) {
      if (e.slot > op_) fresh.push_back(e);
    }
    if (first > next(op_)) {
      // The bug: the ops land at the end of this log, under the wrong
      // numbers, and are acknowledged under the primary's.
      Slot at = op_;
      for (SlotValue& e : fresh) e.slot = at = next(at);
      replace_log(op_, std::move(fresh));
      outbox_.send_when_durable(from, PrepareOk{view_, last});
      return learn_commit(m.commit);
    }
    replace_log(op_, std::move(fresh));
  }
  outbox_.send_when_durable(from, PrepareOk{view_, op_});
  learn_commit(m.commit);
}

void Replica::on_prepare_ok(NodeId from, const PrepareOk& m) {
  auto* p = std::get_if<Primary>(&status_);
  if (p == nullptr || m.view != view_) return;
  Slot& acked = p->acked[from.value() - 1];
  acked = std::max(acked, std::min(m.op, op_));
  advance_commit();
}

void Replica::on_commit(NodeId from, const Commit& m) {
  if (from != primary_of(m.view)) return;
  if (!accept_view(m.view) || is_leader()) return;
  if (m.commit > op_) {
    // Committed ops this log lacks (perhaps only in the primary's snapshot
    // now, so no Prepare will bring them): fetch them.
    return start_transfer();
  }
  learn_commit(m.commit);
  // Tells the primary how far this log reaches (after a restart, or lost
  // PrepareOks), so it knows what to resend and what it may commit.
  outbox_.send_when_durable(from, PrepareOk{view_, op_});
}

void Replica::learn_commit(Slot k) {
  if (log_view_ != view_) return;  // the log above commit_ may be from an older view
  k = std::min(k, op_);
  if (k > commit_) commit_ = k;
  advance_commit();
}

void Replica::advance_commit() {
  auto* p = std::get_if<Primary>(&status_);
  if (p != nullptr) {
    while (commit_ < op_) {
      const Slot candidate = next(commit_);
      NodeSet holders;
      if (p->durable_op >= candidate) holders.insert(config_.self);
      for (NodeId id : config_.quorums.members().to_vector()) {
        if (id != config_.self && p->acked[id.value() - 1] >= candidate) holders.insert(id);
      }
      if (!config_.quorums.is_phase2_quorum(holders)) break;
      commit_ = candidate;
    }
  }
  const Slot committed_before = applied_;
  // Committed ops leave in op order.
  while (applied_ < commit_) {
    auto it = log_.find(next(applied_));
    QUORUM_ASSERT(it != log_.end(), "a committed op is missing from the log");
    if (p != nullptr) {
      for (const Value& v : it->second.commands) p->queue.finish(v);
    }
    applied_ = it->first;
    outbox_.out().committed.push_back(SlotValue{it->first, it->second});
  }
  // The window moved: queued commands may go out now (a harness that calls
  // propose() itself turned propose_on_submit off).
  if (applied_ > committed_before && p != nullptr && config_.limits.propose_on_submit) propose_ops();
}

// ---------------------------------------------------------------- log

std::vector<SlotValue> Replica::entries_between(Slot after, Slot upto, std::size_t max_count,
                                               std::size_t max_bytes) const {
  std::vector<SlotValue> out;
  std::size_t bytes = 0;
  for (Slot s = next(std::max(after, compacted_)); s <= upto; s = next(s)) {
    if (out.size() >= max_count) break;
    const Batch& b = log_.at(s);
    if (!out.empty() && bytes + wire_bytes(b) > max_bytes) break;
    bytes += wire_bytes(b);
    out.push_back(SlotValue{s, std::move(b)});
  }
  return out;
}

void Replica::replace_log(Slot base, std::vector<SlotValue> entries) {
  base = std::max(base, compacted_);
  QUORUM_INVARIANT("CommittedOpsStay", base >= commit_ || entries.empty() || entries.back().slot >= commit_,
                   "replacing the log would drop committed ops");
  log_.erase(log_.upper_bound(base), log_.end());
  std::vector<SlotValue> kept;
  for (SlotValue& e : entries) {
    if (e.slot <= base) continue;
    log_[e.slot] = e.value;
    kept.push_back(std::move(e));
  }
  op_ = kept.empty() ? base : kept.back().slot;
  log_view_ = view_;
  split_bounded(kept, config_.limits.max_entries_per_message, config_.limits.max_message_bytes, entry_bytes,
                [&, b = base](std::vector<SlotValue> run) mutable {
                  const Slot run_base = b;
                  if (!run.empty()) b = run.back().slot;
                  const std::uint64_t seq = outbox_.persist(LogRecord{view_, run_base, std::move(run), commit_});
                  // A primary counts itself toward a commit once its own log is durable.
                  if (auto* p = std::get_if<Primary>(&status_)) p->log_writes.emplace_back(seq, b);
                });
}

// ---------------------------------------------------------------- view change

void Replica::drop_pending() {
  auto* p = std::get_if<Primary>(&status_);
  if (p == nullptr) return;
  outbox_.out().stepped_down = true;
  for (Value& v : p->queue.drain()) outbox_.out().dropped.push_back(std::move(v));
}

void Replica::start_view_change(View v) {
  QUORUM_ASSERT(v > view_, "a view change must move to a newer view");
  drop_pending();
  view_ = v;
  ViewChange vc;
  vc.svc_from.insert(config_.self);
  status_ = std::move(vc);
  // Durable before any DoViewChange leaves: a restarted replica must never
  // go back to an older view.
  outbox_.persist(ViewRecord{view_, log_view_});
  outbox_.broadcast(config_.quorums.members(), StartViewChange{view_});
  reset_timer();
  maybe_send_do_view_change();
}

void Replica::on_start_view_change(NodeId from, const StartViewChange& m) {
  if (m.view < view_) return;
  if (m.view > view_) start_view_change(m.view);
  auto* vc = std::get_if<ViewChange>(&status_);
  if (vc == nullptr) {
    // The sender missed this view's StartView.
    if (is_leader()) send_start_view(from, commit_);
    return;
  }
  vc->svc_from.insert(from);
  maybe_send_do_view_change();
}

void Replica::maybe_send_do_view_change() {
  auto* vc = std::get_if<ViewChange>(&status_);
  if (vc == nullptr || vc->sent_dvc || !config_.quorums.is_phase1_quorum(vc->svc_from)) return;
  vc->sent_dvc = true;
  DoViewChange d{view_, log_view_, op_, commit_, entries_between(commit_, op_, SIZE_MAX, SIZE_MAX)};
  const NodeId primary = primary_of(view_);
  if (primary != config_.self) return outbox_.send_when_durable(primary, std::move(d));
  vc->dvcs[config_.self] = std::move(d);
  maybe_start_view();
}

void Replica::on_do_view_change(NodeId from, const DoViewChange& m) {
  if (m.view < view_) return;
  if (m.view > view_) start_view_change(m.view);
  if (primary_of(view_) != config_.self) return;
  auto* vc = std::get_if<ViewChange>(&status_);
  if (vc == nullptr) {
    if (is_leader()) send_start_view(from, m.commit);
    return;
  }
  vc->svc_from.insert(from);  // a DoViewChange implies its StartViewChange
  vc->dvcs[from] = m;
  maybe_send_do_view_change();
  maybe_start_view();
}

void Replica::maybe_start_view() {
  auto* vc = std::get_if<ViewChange>(&status_);
  if (vc == nullptr || primary_of(view_) != config_.self || vc->dvcs.empty()) return;
  NodeSet senders;
  for (const auto& [id, d] : vc->dvcs) senders.insert(id);
  if (!config_.bugs.dvc_single_message && !config_.quorums.is_phase1_quorum(senders)) return;

  // The freshest log: largest last-normal view, then largest op number.
  const DoViewChange* best = nullptr;
  NodeId best_from = kNoNode;
  Slot k = commit_;
  for (const auto& [id, d] : vc->dvcs) {
    if (best == nullptr || std::tie(d.log_view, d.op) > std::tie(best->log_view, best->op)) {
      best = &d;
      best_from = id;
    }
    k = std::max(k, d.commit);
  }
  std::vector<SlotValue> entries;
  Slot new_op;
  if (config_.bugs.no_log_merge) {
    entries = entries_between(commit_, op_, SIZE_MAX, SIZE_MAX);
    new_op = op_;
  } else {
    // Ops up to best->commit are committed but not in its DoViewChange.
    const Slot have = fetched_through(*vc);
    if (have < best->commit) {
      if (vc->fetch_from != best_from) {
        vc->fetch_from = best_from;
        request_state();
      }
      return;
    }
    for (const auto& [op, batch] : vc->fetched) {
      if (op > commit_ && op <= best->commit) entries.push_back(SlotValue{op, batch});
    }
    for (const SlotValue& e : best->suffix) {
      if (e.slot > commit_) entries.push_back(e);
    }
    new_op = std::max(best->op, commit_);
  }
  Slot base_for_backups = commit_;
  for (const auto& [id, d] : vc->dvcs) base_for_backups = std::min(base_for_backups, d.commit);

  Primary p;
  p.acked.assign(kMaxNodes, Slot{0});
  p.last_acked_seen.assign(kMaxNodes, Slot{0});
  p.heartbeat_ticks_left = config_.timing.heartbeat_ticks;
  p.retry_ticks_left = config_.timing.accept_retry_ticks;
  status_ = std::move(p);  // forgets the view change (and `best` with it)
  replace_log(commit_, std::move(entries));
  QUORUM_ASSERT(op_ == new_op, "the new log does not end at the chosen op");
  commit_ = std::max(commit_, std::min(k, op_));
  primary().announced_commit = commit_;
  outbox_.out().became_leader = true;
  for (NodeId to : config_.quorums.members().to_vector()) {
    if (to != config_.self) send_start_view(to, base_for_backups);
  }
  advance_commit();
}

void Replica::send_start_view(NodeId to, Slot base) {
  base = std::clamp(base, compacted_, op_);
  // Newest ops first: a backup missing older ones fetches them.
  std::vector<SlotValue> entries;
  std::size_t bytes = 0;
  for (auto it = log_.rbegin(); it != log_.rend() && it->first > base; ++it) {
    if (entries.size() >= config_.limits.max_entries_per_message ||
        (!entries.empty() && bytes + wire_bytes(it->second) > config_.limits.max_message_bytes)) {
      base = it->first;
      break;
    }
    bytes += wire_bytes(it->second);
    entries.push_back(SlotValue{it->first, it->second});
  }
  std::reverse(entries.begin(), entries.end());
  outbox_.send_when_durable(to, StartView{view_, base, std::move(entries), op_, commit_});
}

void Replica::on_start_view(NodeId from, const StartView& m) {
  if (from != primary_of(m.view) || m.view < view_) return;
  if (m.view == view_ && std::holds_alternative<Backup>(status_)) return;  // a duplicate
  const bool same_log_view = log_view_ == m.view;
  become_backup_of(m.view);
  // The part of this log that is certainly in the new one.
  const Slot trusted = same_log_view ? op_ : commit_;
  if (m.base > trusted || commit_ > m.op) return request_state();
  status_ = Backup{std::get<Transfer>(status_).silence_ticks_left};
  replace_log(m.base, m.entries);
  learn_commit(m.commit);
  outbox_.send_when_durable(from, PrepareOk{view_, op_});
}

// ---------------------------------------------------------------- state transfer

Slot Replica::fetched_through(const ViewChange& vc) const {
  Slot have = commit_;
  while (vc.fetched.count(next(have)) != 0) have = next(have);
  return have;
}

void Replica::request_state() {
  if (auto* t = std::get_if<Transfer>(&status_)) {
    t->retry_ticks_left = config_.timing.catchup_retry_ticks;
    const Slot from = log_view_ == view_ ? op_ : commit_;
    return outbox_.send_now(primary_of(view_), GetState{view_, from});
  }
  if (auto* vc = std::get_if<ViewChange>(&status_); vc != nullptr && vc->fetch_from != kNoNode) {
    vc->retry_ticks_left = config_.timing.catchup_retry_ticks;
    outbox_.send_now(vc->fetch_from, GetState{view_, fetched_through(*vc)});
  }
}

void Replica::on_get_state(NodeId from, const GetState& m) {
  if (m.op < compacted_) {
    if (snapshot_ != nullptr) send_snapshot_chunk(from, 0);
    return;
  }
  // Only a replica normal in the asker's view may vouch for uncommitted ops.
  const bool full = m.view == view_ && (std::holds_alternative<Primary>(status_) ||
                                        std::holds_alternative<Backup>(status_));
  const Slot upto = full ? op_ : commit_;
  if (!full && m.op >= upto) return;
  std::vector<SlotValue> entries = entries_between(m.op, upto, config_.limits.max_entries_per_message,
                                                     config_.limits.max_message_bytes);
  outbox_.send_now(from, NewState{m.view, m.op, std::move(entries), full ? op_ : commit_, commit_, !full});
}

void Replica::on_new_state(NodeId from, const NewState& m) {
  if (m.view != view_) return;
  if (m.committed_only) {
    auto* vc = std::get_if<ViewChange>(&status_);
    if (vc == nullptr || primary_of(view_) != config_.self) return;
    // Committed ops, kept beside the log until the new view's log is built.
    for (const SlotValue& e : m.entries) {
      if (e.slot > commit_ && e.slot <= m.commit) vc->fetched[e.slot] = e.value;
    }
    vc->fetch_from = kNoNode;
    return maybe_start_view();
  }
  if (!transferring() || from != primary_of(view_)) return;
  const Slot trusted = log_view_ == view_ ? op_ : commit_;
  const Slot end = m.entries.empty() ? m.base : m.entries.back().slot;
  // Past what this replica trusts, or a stale answer that ends short of it.
  // (A sender whose log ends below `base` cannot be a normal replica of this
  // view: ignore it too.)
  if (m.base > trusted || end < trusted || m.op < end || (m.entries.empty() && m.op > m.base)) return;
  replace_log(m.base, m.entries);
  learn_commit(m.commit);
  reset_timer();
  if (op_ < m.op) return request_state();  // more to come
  status_ = Backup{std::get<Transfer>(status_).silence_ticks_left};
  outbox_.send_when_durable(from, PrepareOk{view_, op_});
}

// ---------------------------------------------------------------- checkpoints

void Replica::compact(Slot upto, std::shared_ptr<const std::string> snapshot) {
  const InvariantGuard guard([this] { check_invariants(); });
  QUORUM_ASSERT(upto <= applied_, "compacting ops that were not applied");
  QUORUM_ASSERT(upto >= compacted_, "compacting to before the last compaction");
  QUORUM_ASSERT(snapshot != nullptr, "compacting without a snapshot");
  compacted_ = upto;
  snapshot_ = std::move(snapshot);
  log_.erase(log_.begin(), log_.upper_bound(upto));
  if (auto* vc = std::get_if<ViewChange>(&status_)) vc->fetched.erase(vc->fetched.begin(), vc->fetched.upper_bound(upto));
  std::vector<SlotValue> rest;
  for (const auto& [op, batch] : log_) rest.push_back(SlotValue{op, batch});
  split_bounded(rest, config_.limits.max_entries_per_message, config_.limits.max_message_bytes, entry_bytes,
                [&](std::vector<SlotValue> run) {
                  outbox_.persist(CompactRecord{view_, log_view_, upto, commit_, std::move(run)});
                });
}

void Replica::send_snapshot_chunk(NodeId to, std::uint64_t offset) {
  QUORUM_ASSERT(snapshot_ != nullptr, "compacted without a snapshot to serve");
  auto chunk = log::snapshot_chunk(*snapshot_, compacted_, offset, config_.limits.snapshot_chunk_bytes, commit_);
  if (chunk) outbox_.send_now(to, std::move(*chunk));
}

void Replica::on_snapshot_request(NodeId from, const log::SnapshotRequest& m) {
  if (snapshot_ != nullptr) send_snapshot_chunk(from, log::serve_offset(m, compacted_));
}

void Replica::on_snapshot_chunk(NodeId from, const log::SnapshotChunk& m) {
  // Wanted only while fetching, and only past what this replica has.
  const auto* vc = std::get_if<ViewChange>(&status_);
  const bool fetching = transferring() || (vc != nullptr && vc->fetch_from != kNoNode);
  if (!fetching || m.index <= commit_) return;
  switch (incoming_.receive(m)) {
    case SnapshotReceiver::Step::kIgnored:
      return;
    case SnapshotReceiver::Step::kComplete:
      return install_snapshot();
    case SnapshotReceiver::Step::kMore:
      if (auto* t = std::get_if<Transfer>(&status_)) t->retry_ticks_left = config_.timing.catchup_retry_ticks;
      if (auto* v = std::get_if<ViewChange>(&status_)) v->retry_ticks_left = config_.timing.catchup_retry_ticks;
      outbox_.send_now(from, incoming_.next_request());
      return;
  }
}

void Replica::install_snapshot() {
  SnapshotReceiver::Snapshot in = incoming_.take();
  snapshot_offset_at_retry_ = 0;
  snapshot_stalled_retries_ = 0;
  // Ops already handed out as committed are all below the snapshot, which
  // replaces their effect; the harness restores it before `committed`.
  outbox_.out().committed.clear();
  log_.erase(log_.begin(), log_.upper_bound(in.index));
  if (auto* vc = std::get_if<ViewChange>(&status_)) vc->fetched.erase(vc->fetched.begin(), vc->fetched.upper_bound(in.index));
  commit_ = applied_ = compacted_ = in.index;
  op_ = std::max(op_, in.index);
  snapshot_ = std::make_shared<const std::string>(std::move(in.bytes));
  outbox_.out().snapshot = SnapshotInstall{in.index, snapshot_};
  if (transferring()) request_state();
  maybe_start_view();
}

// ---------------------------------------------------------------- checks

void Replica::digest(StateDigest& d) const {
  d.add(view_.value());
  d.add(log_view_.value());
  d.add(std::uint64_t{status_.index()});
  d.add(op_.value());
  d.add(commit_.value());
  d.add(applied_.value());
  d.add(compacted_.value());
  d.separator();
  for (const auto& [op, batch] : log_) {
    d.add(op.value());
    for (const Value& v : batch.commands) d.add(v);
    d.separator();
  }
  std::visit(Overloaded{
                 [&](const Primary& p) {
                   p.queue.digest(d);
                   for (std::uint32_t i = 0; i < n_; ++i) d.add(p.acked[i].value());
                   d.add(p.durable_op.value());
                   d.add(p.announced_commit.value());
                 },
                 [&](const Backup&) {},
                 [&](const Transfer&) {},
                 [&](const ViewChange& vc) {
                   d.add(vc.svc_from);
                   d.add(static_cast<std::uint64_t>(vc.sent_dvc));
                   for (const auto& [id, dvc] : vc.dvcs) {
                     d.add(id.value());
                     d.add(dvc.log_view.value());
                     d.add(dvc.op.value());
                     d.add(dvc.commit.value());
                     for (const SlotValue& e : dvc.suffix) {
                       d.add(e.slot.value());
                       for (const Value& v : e.value.commands) d.add(v);
                     }
                     d.separator();
                   }
                   for (const auto& [op, batch] : vc.fetched) {
                     d.add(op.value());
                     for (const Value& v : batch.commands) d.add(v);
                   }
                   d.add(vc.fetch_from.value());
                 },
             },
             status_);
  d.separator();
  d.add(snapshot_ ? std::string_view(*snapshot_) : std::string_view());
  incoming_.digest(d);
}

void Replica::check_invariants() const {
  QUORUM_INVARIANT("CommitOrder", compacted_ <= applied_ && applied_ <= commit_ && commit_ <= op_,
                   "compacted " + compacted_.to_string() + " applied " + applied_.to_string() + " commit " +
                       commit_.to_string() + " op " + op_.to_string() + " out of order");
  QUORUM_INVARIANT("LogView", log_view_ <= view_, "normal in a view ahead of the current one");
  QUORUM_INVARIANT("LogBounds",
                   log_.empty() ? op_ == compacted_
                                : (log_.begin()->first > compacted_ && log_.rbegin()->first == op_),
                   "the log holds ops outside compacted..op");
  // O(1): a gap would show as fewer entries than ops.
  QUORUM_INVARIANT("ContiguousOps", log_.size() == op_.value() - compacted_.value(),
                   "the log has a gap below op " + op_.to_string());
  const bool normal = !std::holds_alternative<ViewChange>(status_);
  QUORUM_INVARIANT("NormalLog", !normal || log_view_ == view_ || std::holds_alternative<Transfer>(status_),
                   "normal in view " + view_.to_string() + " with a log from view " + log_view_.to_string());
  QUORUM_INVARIANT("PrimaryOfView", is_leader() == (normal && primary_of(view_) == config_.self),
                   "the primary of view " + view_.to_string() + " is replica " + primary_of(view_).to_string());
  if (const auto* p = std::get_if<Primary>(&status_)) {
    QUORUM_INVARIANT("PrimaryLog", log_view_ == view_, "a primary whose log is from an older view");
    QUORUM_INVARIANT("PrimaryDurable", p->durable_op <= op_, "the primary's durable log is past its last op");
  }
}

}  // namespace quorum::vsr
