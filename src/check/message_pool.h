// The model checker's network: every message ever sent, kept forever, any of
// which may be delivered at any time, any number of times (the network of
// Lamport's Paxos.tla). One rule thus covers loss (a message never
// delivered), duplication (delivered again) and reordering, without a budget
// for each; and a delivery that changes nothing leads back to a known state,
// which keeps the state space small.
//
// Messages are interned in a MessageTable shared by every state of a run
// (keyed by their wire encoding, so equal messages get one id); a state's
// pool is then a sorted vector of ids, cheap to copy for each successor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/message.h"
#include "core/state_digest.h"

namespace quorum::check {

class MessageTable {
 public:
  std::uint32_t intern(Envelope e);
  const Envelope& envelope(std::uint32_t id) const { return entries_[id].envelope; }
  const Fingerprint& fingerprint(std::uint32_t id) const { return entries_[id].fingerprint; }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Envelope envelope;
    Fingerprint fingerprint;  // of the wire encoding
  };
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::vector<Entry> entries_;
};

class MessagePool {
 public:
  // Adds message `id` of `table` unless it was sent before.
  void send(std::uint32_t id, const MessageTable& table);
  std::uint32_t id(std::size_t i) const { return ids_[i]; }
  std::size_t size() const { return ids_.size(); }
  // The pool's fingerprint: the sum of its messages' fingerprints, kept up
  // to date by send(), so a state's fingerprint costs O(1) for its network.
  void digest(StateDigest& d) const;

 private:
  std::vector<std::uint32_t> ids_;  // sorted, no two equal
  Fingerprint sum_;
};

}  // namespace quorum::check
