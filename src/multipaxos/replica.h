// A Multi-Paxos replica: acceptor and learner for every slot of the log, and,
// when it leads, the proposer. Pure: driven through the same surface as every
// quorum core (step / tick / submit / take_output / on_durable).
//
//  - Election: a follower that hears no leader for a randomised timeout runs
//    phase 1 once for every slot from its first unchosen one. Promises carry
//    what the acceptor knows of those slots: chosen values, and its votes in
//    the others. The new leader adopts the chosen values, re-proposes the
//    highest-ballot vote of every other slot, and fills holes with no-ops.
//  - Normal case: phase 2 only, one Accept per batch, up to `window_slots`
//    slots in flight. The commit index rides on Accepts and heartbeats; a
//    follower marks a slot chosen when its vote there is from the leader's
//    ballot, and fetches other chosen slots by catch-up.
//  - Committed slots leave in strict slot order (Output::committed).
//  - A leader that hears from no quorum for `leader_lease_ticks` steps down;
//    so does one that sees a higher ballot. Heartbeats and their replies never
//    wait for the disk, so slow persistence does not cause elections.
//  - Compaction: once the harness has made a snapshot of the applied state
//    durable it calls compact(); the replica forgets the slots it covers and
//    logs a CompactRecord so the write-ahead log can be truncated. A peer that
//    needs a forgotten slot receives the snapshot instead, in chunks
//    (Output::snapshot on the receiving side, applied before `committed`).
//
// Durability contract as in paxos::Node: writes are made durable in order and
// acknowledged; Promises and Accepteds are held inside until then.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "core/invariant_guard.h"
#include "core/log/outbox.h"
#include "core/log/output.h"
#include "core/log/proposal_queue.h"
#include "core/log/protocol.h"
#include "core/message.h"
#include "core/prng.h"
#include "core/log/snapshot_transfer.h"
#include "core/state_digest.h"
#include "multipaxos/config.h"
#include "multipaxos/records.h"

namespace quorum::multipaxos {

using log::RecoveredSnapshot;
using log::SnapshotInstall;
using log::SnapshotReceiver;
using log::SubmitResult;
using log::SubmitStatus;
using Output = log::Output<Write>;

class Replica {
 public:
  using Write = multipaxos::Write;

  // `recovered.compacted` must not exceed `snapshot.index`: the log may only
  // forget what a durable snapshot covers.
  Replica(Config config, const DurableState& recovered, RecoveredSnapshot snapshot = {});

  void step(const Envelope& m);
  void tick();
  SubmitResult submit(Value command);
  // Opens slots for queued commands while the window allows (see
  // Limits::propose_on_submit); a no-op unless leading.
  void propose();
  // Leader only: tells followers a commit index that no Accept or Heartbeat
  // has carried yet. Without it a follower learns of a commit at the next
  // Accept or heartbeat, and a client talking to that follower waits for it.
  // The driver calls it once per batch of work, after propose().
  void announce_commit();
  void on_durable(std::uint64_t seq);
  Output take_output();
  // The harness made a snapshot durable: the state after every slot <= upto
  // (upto <= the last slot output as committed). The replica forgets those
  // slots, serves `snapshot` to peers that need them, and emits the
  // CompactRecords after which the write-ahead log may be truncated.
  void compact(Slot upto, std::shared_ptr<const std::string> snapshot);

  // ---- for the model checker (check/), which abstracts time away: each
  // timer fires when the checker chooses, instead of after its ticks ----
  // A follower or candidate (re)starts an election now.
  void expire_election_timer();
  // A leader's lease runs out: it steps down.
  void expire_lease();
  // A leader's heartbeat timer: it tells every follower its commit index.
  void expire_heartbeat_timer();
  // A replica behind a peer's commit index asks for the chosen slots now.
  void expire_catchup_timer();
  // The ballot the next election would use.
  Ballot next_election_ballot() const { return std::max(promised_, highest_seen_).successor(config_.self); }
  // Adds the state that decides what this replica does next, without tick
  // counters, jitter or write sequence numbers. Only with no write in flight.
  void digest(StateDigest& d) const;

  // ---- introspection (status pages, simulator checks) ----
  NodeId id() const { return config_.self; }
  bool is_leader() const { return std::holds_alternative<Leading>(role_); }
  log::Role role() const;
  const char* role_name() const { return log::role_name(role()); }
  NodeId leader_hint() const;
  Ballot promised() const { return promised_; }
  Slot commit_index() const { return commit_; }
  Slot compacted() const { return compacted_; }
  std::size_t log_entries() const { return log_.size(); }
  Slot last_slot() const { return log_.empty() ? commit_ : std::max(commit_, log_.rbegin()->first); }
  std::optional<Batch> chosen(Slot s) const;
  std::size_t pending_commands() const;
  std::size_t held_messages() const { return outbox_.gate().held(); }
  // The commit index `peer` last reported to this replica (follower lag).
  Slot peer_commit(NodeId peer) const { return peer_commit_[peer.value() - 1]; }

 private:
  struct SlotState {
    std::optional<SlotVote> vote;   // what this acceptor accepted
    std::optional<Batch> chosen;    // known chosen value
    // The ballot it was chosen at, when this replica saw that (its own vote
    // in the ballot that committed it); unknown when it was learned from a
    // peer. Only for the Consistency check: not part of the digest, since
    // nothing the replica does depends on it.
    std::optional<Ballot> chosen_at;
  };
  struct Following {
    NodeId leader;  // kNoNode when unknown
    std::uint32_t election_ticks_left;
  };
  struct Campaigning {
    Ballot ballot;
    NodeSet promised;
    std::map<Slot, SlotVote> votes;  // highest-ballot vote per slot
    std::map<Slot, Batch> chosen;    // reported chosen
    std::uint32_t ticks_left;
  };
  struct Proposal {
    Batch value;
    NodeSet acks;
    std::uint64_t sent_tick;
  };
  struct Leading {
    Ballot ballot;
    Slot next_slot;
    std::map<Slot, Proposal> proposals;  // in flight
    log::ProposalQueue queue;            // not yet in a slot
    std::size_t inflight_bytes = 0;      // wire_bytes() of `proposals`
    std::vector<std::uint64_t> last_ack;  // per node id - 1
    std::uint32_t heartbeat_ticks_left = 0;
  };
  using Role = std::variant<Following, Campaigning, Leading>;

  // acceptor
  void on_prepare(NodeId from, const Prepare& m);
  void on_accept(NodeId from, const Accept& m);
  void on_heartbeat(NodeId from, const Heartbeat& m);
  // proposer / leader
  void on_promise(NodeId from, const Promise& m);
  void on_accepted(NodeId from, const Accepted& m);
  void on_nack(const Nack& m);
  void on_heartbeat_reply(NodeId from, const HeartbeatReply& m);
  // learner
  void on_catchup_request(NodeId from, const CatchUpRequest& m);
  std::size_t promise_bytes(Slot from_slot) const;
  void on_catchup_reply(NodeId from, const CatchUpReply& m);
  void on_snapshot_request(NodeId from, const SnapshotRequest& m);
  void on_snapshot_chunk(NodeId from, const SnapshotChunk& m);
  void send_snapshot_chunk(NodeId to, std::uint64_t offset);
  void install_snapshot();

  void start_election();
  void become_leader(Campaigning& c);
  void follow(NodeId leader);
  void step_down();
  void propose_pending();
  void send_accepts(const Leading& l, const std::vector<Slot>& slots, NodeSet to);
  void tick_leader(Leading& l);
  void maybe_catch_up(bool now);

  // `voted` are the slots a message from that leader just carried; only they
  // and slots not yet scanned under this ballot are looked at, so a replica
  // far behind does not walk its whole log on every message.
  void learn_commit(Ballot leader_ballot, Slot leader_commit, const std::vector<SlotValue>& voted = {});
  void mark_chosen(Slot s, const Batch& v, std::optional<Ballot> at = std::nullopt);
  void advance_commit();
  void observe(Ballot b) { highest_seen_ = std::max(highest_seen_, b); }
  void note_peer_commit(NodeId from, Slot c);
  std::uint32_t random_election_timeout();

  // After every public entry point (core/invariant_guard.h).
  void check_invariants() const;

  Config config_;
  Prng prng_;
  std::uint64_t now_ = 0;
  Role role_;

  Ballot promised_;
  Ballot highest_seen_;
  Ballot highest_vote_;  // the highest ballot of any vote ever held (PromiseIntegrity)
  std::map<Slot, SlotState> log_;
  Slot commit_{0};   // every slot <= commit_ is chosen and known here
  Slot applied_{0};  // every slot <= applied_ has been output as committed
  Slot compacted_{0};  // slots <= compacted_ are in snapshot_, not in log_
  std::shared_ptr<const std::string> snapshot_;
  SnapshotReceiver incoming_;  // a snapshot being received
  std::vector<Slot> peer_commit_;  // per node id - 1: the highest commit index heard
  // Learner cursor: the ballot whose leader's commit index learn_ballot_commit_
  // is, and how far the log has been scanned for votes at that ballot. A slot
  // at or below the cursor without such a vote can only gain one through an
  // Accept, which learn_commit checks directly.
  Slot announced_commit_{0};  // leader: highest commit index sent to every peer
  Ballot learn_ballot_;
  Slot learn_ballot_commit_{0};
  Slot learn_cursor_{0};
  std::uint32_t catchup_ticks_left_ = 0;

  log::Outbox<Write> outbox_{config_.self};
};

}  // namespace quorum::multipaxos
