// A Viewstamped Replication replica (Liskov & Cowling, "Viewstamped
// Replication Revisited", 2012). Pure: driven through the same surface as
// multipaxos::Replica (step / tick / submit / propose / announce_commit /
// on_durable / take_output / compact), so one harness runs either log.
//
//  - Normal operation: the primary of view v is replica (v mod n) + 1. It
//    numbers each batch of commands with the next op number and sends it in
//    a Prepare; a backup appends only the op right after its last one (a gap
//    means it missed ops: it asks for them by state transfer) and answers
//    PrepareOk once the op is durable. An op is committed when a majority of
//    the configured cluster holds it; the commit number rides on Prepares
//    and on the Commit heartbeat the primary sends when idle.
//  - View change: a backup that hears nothing from its primary for a
//    randomised timeout moves to the next view and says so
//    (StartViewChange). Once a majority has, each sends DoViewChange to the
//    new primary, which takes the log with the largest last-normal view, then
//    the largest op number, from a majority of DoViewChanges, and announces
//    it (StartView). Backups answer with PrepareOk for the uncommitted ops.
//  - State transfer: GetState / NewState, for a backup with a gap, one that
//    learns of a newer view, or a new primary missing committed ops. A
//    replica only replaces its log above a point it knows is committed (or,
//    in the same view, above its last op).
//  - Recovery: persisted state, not the paper's nonce protocol. Every message
//    that vouches for the view or the log (PrepareOk, DoViewChange, StartView,
//    the answers to a heartbeat) leaves only after the records it depends on
//    are durable (core/durability_gate.h), so a restarted replica resumes from
//    its disk with everything it ever promised, as TigerBeetle's replicas do.
//    We chose this because quorum already has a durable write-ahead log with
//    group commit: the nonce protocol would need a quorum of live replicas to
//    restart any one of them, and would lose the cluster to a power cut.
//  - Checkpoints: once the harness has made a snapshot durable it calls
//    compact(); the log before it is forgotten and a peer that needs those
//    ops receives the snapshot (log::SnapshotChunk) instead.
//  - At-most-once execution is the state machine's client table
//    (smr/client_table.h), which every replica applies in op order.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
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
#include "vsr/config.h"
#include "vsr/records.h"

namespace quorum::vsr {

using log::RecoveredSnapshot;
using log::SnapshotInstall;
using log::SnapshotReceiver;
using log::SubmitResult;
using log::SubmitStatus;
using Output = log::Output<Write>;

class Replica {
 public:
  using Write = vsr::Write;

  Replica(Config config, const DurableState& recovered, RecoveredSnapshot snapshot = {});

  void step(const Envelope& m);
  void tick();
  SubmitResult submit(Value command);
  // Opens ops for queued commands while the window allows.
  void propose();
  // Primary only: tells backups a commit number no Prepare or Commit carried yet.
  void announce_commit();
  void on_durable(std::uint64_t seq);
  Output take_output();
  // The harness made a snapshot durable: the state after every op <= upto.
  void compact(Slot upto, std::shared_ptr<const std::string> snapshot);

  // ---- for the model checker (check/): timers fire when it chooses ----
  // A backup's primary went quiet, or a view change stalled: next view.
  void expire_view_timer();
  // The primary's heartbeat: Commit to every backup, and resends.
  void expire_heartbeat_timer();
  // A replica waiting for state transfer asks again.
  void expire_transfer_timer();
  bool transferring() const { return std::holds_alternative<Transfer>(status_); }
  // The state that decides what this replica does next, without tick
  // counters, jitter or write sequence numbers. Only with no write in flight.
  void digest(StateDigest& d) const;

  // ---- introspection ----
  NodeId id() const { return config_.self; }
  NodeId primary_of(View v) const;
  bool is_leader() const { return std::holds_alternative<Primary>(status_); }
  log::Role role() const;
  const char* role_name() const { return log::role_name(role()); }
  NodeId leader_hint() const;
  View promised() const { return view_; }  // the view (named for the shared harness)
  View view() const { return view_; }
  View log_view() const { return log_view_; }
  Slot op() const { return op_; }
  Slot commit_index() const { return commit_; }
  Slot compacted() const { return compacted_; }
  std::size_t log_entries() const { return log_.size(); }
  std::optional<Batch> entry(Slot op) const;
  std::size_t pending_commands() const;
  std::size_t held_messages() const { return outbox_.gate().held(); }
  // The op `peer` last acknowledged to this primary (follower lag); 0 elsewhere.
  Slot peer_commit(NodeId peer) const;

 private:
  // What this replica is doing in view_. Each status holds the state only it
  // needs, so leaving one forgets all of it.
  struct Primary {  // normal in view_, and its primary
    log::ProposalQueue queue;           // commands not yet in an op
    std::vector<Slot> acked;            // per node id - 1: highest op acknowledged this view
    std::vector<Slot> last_acked_seen;  // `acked` at the last resend round
    std::deque<std::pair<std::uint64_t, Slot>> log_writes;  // (write seq, op_ after it), this view
    Slot durable_op{0};                 // this replica's own log is durable up to here, this view
    Slot announced_commit{0};
    std::uint32_t heartbeat_ticks_left = 0;
    std::uint32_t retry_ticks_left = 0;  // resends to backups that acknowledged nothing new
  };
  struct Backup {  // normal in view_, following its primary
    std::uint32_t silence_ticks_left = 0;  // then a view change
  };
  struct Transfer {  // normal in view_, fetching the log it lacks (state transfer)
    std::uint32_t silence_ticks_left = 0;  // then a view change
    std::uint32_t retry_ticks_left = 0;    // then it asks again
  };
  struct ViewChange {  // moving to view_
    NodeSet svc_from;                      // StartViewChanges heard, itself included
    bool sent_dvc = false;
    std::map<NodeId, DoViewChange> dvcs;   // new primary: collected for view_
    std::map<Slot, Batch> fetched;         // new primary: committed ops fetched
    NodeId fetch_from = kNoNode;           // new primary: fetching them from
    std::uint32_t progress_ticks_left = 0;  // then the next view
    std::uint32_t retry_ticks_left = 0;     // a fetch asks again
  };
  using Status = std::variant<Primary, Backup, Transfer, ViewChange>;

  void on_prepare(NodeId from, const Prepare& m);
  void on_prepare_ok(NodeId from, const PrepareOk& m);
  void on_commit(NodeId from, const Commit& m);
  void on_start_view_change(NodeId from, const StartViewChange& m);
  void on_do_view_change(NodeId from, const DoViewChange& m);
  void on_start_view(NodeId from, const StartView& m);
  void on_get_state(NodeId from, const GetState& m);
  void on_new_state(NodeId from, const NewState& m);
  void on_snapshot_request(NodeId from, const log::SnapshotRequest& m);
  void on_snapshot_chunk(NodeId from, const log::SnapshotChunk& m);

  // A message from the primary of view v, which is therefore normal: true if
  // this replica is (now) normal in v and may take it; otherwise it has
  // moved to v and asked for the log by state transfer.
  bool accept_view(View v);
  void start_view_change(View v);
  void maybe_send_do_view_change();
  void maybe_start_view();
  void send_start_view(NodeId to, Slot base);
  // A backup of view_ starts fetching the log it lacks.
  void start_transfer();
  void request_state();
  // A new primary's committed prefix: its commit number, extended by the
  // committed ops it fetched for the new view.
  Slot fetched_through(const ViewChange& vc) const;
  void send_snapshot_chunk(NodeId to, std::uint64_t offset);
  void install_snapshot();
  void send_prepares(NodeId to, Slot after);
  void propose_ops();
  void send_heartbeat();
  void become_backup_of(View v);
  void drop_pending();
  // The timer that moves a non-primary to the next view (a primary draws
  // one too, so every status draws the same random numbers).
  std::uint32_t* view_timer();

  // The log above `base` becomes `entries`; records it durably.
  void replace_log(Slot base, std::vector<SlotValue> entries);
  // Ops after..upto, at most `max_count` of them and `max_bytes` (one always).
  std::vector<SlotValue> entries_between(Slot after, Slot upto, std::size_t max_count, std::size_t max_bytes) const;
  void learn_commit(Slot k);
  void advance_commit();
  void reset_timer();
  std::uint32_t random_view_timeout();
  Primary& primary() { return std::get<Primary>(status_); }

  // After every public entry point (core/invariant_guard.h).
  void check_invariants() const;

  Config config_;
  Prng prng_;
  std::uint32_t n_;  // configured cluster size

  View view_;
  View log_view_;  // the latest view in which this replica was normal
  Status status_;
  std::map<Slot, Batch> log_;  // ops compacted_+1 .. op_
  Slot op_{0};
  Slot commit_{0};
  Slot applied_{0};    // every op <= applied_ has been output as committed
  Slot compacted_{0};  // ops <= compacted_ are in snapshot_, not in log_
  std::shared_ptr<const std::string> snapshot_;
  SnapshotReceiver incoming_;  // a snapshot being received
  std::uint64_t snapshot_offset_at_retry_ = 0;  // bytes of it received at the last retry
  std::uint32_t snapshot_stalled_retries_ = 0;  // retries in a row that found no new byte
  std::uint64_t boot_seq_ = 0;  // first start: the boot record's write

  log::Outbox<Write> outbox_{config_.self};
};

}  // namespace quorum::vsr
