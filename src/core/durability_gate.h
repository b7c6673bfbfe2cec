// Holds back outgoing messages until the writes they vouch for are durable.
//
// Every core that persists state (a promise, a vote, a view) issues writes
// with increasing sequence numbers and routes each message that depends on
// them through a gate. A message leaves only once every write issued before
// it has been acknowledged, so a harness cannot send a promise early by
// mistake: it never sees it before then ("persist before you promise",
// DESIGN.md section 1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "core/assert.h"
#include "core/message.h"

namespace quorum {

class DurabilityGate {
 public:
  // Bound on messages held back waiting for the disk.
  static constexpr std::size_t kMaxHeld = 1 << 16;

  // A new write: its sequence number.
  std::uint64_t issue() { return ++issued_; }

  // `e` depends on every write issued so far: out now if they are durable,
  // held otherwise.
  void send(Envelope e, std::vector<Envelope>& out) {
    if (durable_ >= issued_) return out.push_back(std::move(e));
    QUORUM_ASSERT(held_.size() < kMaxHeld, "too many messages awaiting durability");
    held_.emplace_back(issued_, std::move(e));
  }

  // Writes up to `seq` are durable: release what they held back.
  void acknowledge(std::uint64_t seq, std::vector<Envelope>& out) {
    QUORUM_ASSERT(seq <= issued_, "acknowledged a write that was never issued");
    if (seq <= durable_) return;
    durable_ = seq;
    while (!held_.empty() && held_.front().first <= durable_) {
      out.push_back(std::move(held_.front().second));
      held_.pop_front();
    }
  }

  std::uint64_t issued() const { return issued_; }
  std::uint64_t durable() const { return durable_; }
  std::size_t held() const { return held_.size(); }

 private:
  std::uint64_t issued_ = 0;
  std::uint64_t durable_ = 0;
  std::deque<std::pair<std::uint64_t, Envelope>> held_;
};

}  // namespace quorum
