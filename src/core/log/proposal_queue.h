// The commands a leader (Multi-Paxos leader, VSR primary) holds before they
// go into a log entry, bounded in count and in bytes (log::Limits). Both
// log cores keep one, so admission and batching are the same in both.
//
// A command is "in progress" from admission until the core calls finish()
// (Multi-Paxos: its slot is chosen; VSR: its op is committed). A client that
// times out and retries sends the same bytes again; proposing them twice
// would only add load, and under overload that load is what makes every
// client time out, so a retry of a command in progress is accepted and
// ignored.
#pragma once

#include <cstddef>
#include <deque>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/log/config.h"
#include "core/log/entry.h"
#include "core/log/output.h"
#include "core/state_digest.h"

namespace quorum::log {

class ProposalQueue {
 public:
  enum class Admit { kQueued, kInProgress, kFull };

  // A command larger than max_pending_bytes still enters an empty queue, so
  // every command the client path admits can be proposed.
  Admit admit(Value command, const Limits& limits) {
    if (in_progress_.count(command) != 0) return Admit::kInProgress;
    if (pending_.size() >= limits.max_pending_commands ||
        (!pending_.empty() && bytes_ + command.size() > limits.max_pending_bytes)) {
      return Admit::kFull;
    }
    bytes_ += command.size();
    in_progress_.insert(command);
    pending_.push_back(std::move(command));
    return Admit::kQueued;
  }
  // What a client is told: a command queued now or already in progress is
  // accepted; a full queue is busy.
  static SubmitStatus status(Admit a) { return a == Admit::kFull ? SubmitStatus::kBusy : SubmitStatus::kAccepted; }

  bool empty() const { return pending_.empty(); }
  std::size_t size() const { return pending_.size(); }
  std::size_t bytes() const { return bytes_; }

  // The next entry's batch: queued commands in order, at least one, at most
  // max_batch_commands and max_batch_bytes.
  Batch take_batch(const Limits& limits) {
    Batch b;
    std::size_t batch_bytes = 0;
    while (!pending_.empty() && b.commands.size() < limits.max_batch_commands &&
           (b.commands.empty() || batch_bytes + pending_.front().size() <= limits.max_batch_bytes)) {
      batch_bytes += pending_.front().size();
      b.commands.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
    bytes_ -= batch_bytes;
    return b;
  }

  // A command already in an entry (re-proposed by a new leader) counts as in
  // progress too.
  void mark_in_progress(const Value& command) { in_progress_.insert(command); }
  // The command's entry is decided: a later copy is a new request.
  void finish(const Value& command) { in_progress_.erase(command); }

  // Everything queued, handed back (a leader steps down), and nothing in
  // progress any more.
  std::vector<Value> drain() {
    std::vector<Value> out(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
    pending_.clear();
    bytes_ = 0;
    in_progress_.clear();
    return out;
  }

  void digest(StateDigest& d) const {
    for (const Value& v : pending_) d.add(v);
    d.separator();
  }

 private:
  std::deque<Value> pending_;
  std::size_t bytes_ = 0;
  std::unordered_set<Value> in_progress_;
};

}  // namespace quorum::log
