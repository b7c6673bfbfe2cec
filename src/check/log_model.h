// Pieces shared by the models of the log protocols (multipaxos_model.h,
// vsr_model.h): both hold a real replica per node with its disk, run writes
// as durable at once, and check the committed output the same way.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "check/message_pool.h"
#include "core/assert.h"
#include "core/multipaxos_messages.h"
#include "core/state_digest.h"

namespace quorum::check {

// Drains a replica whose writes are durable at once: every record goes to
// `disk` (and to on_write), the replica hears so, and what that releases is
// drained too. Messages are interned into `sent`, committed entries appended
// to `committed`.
template <class Replica, class Disk, class OnWrite>
void drain_durably(Replica& replica, Disk& disk, MessageTable& messages, std::vector<std::uint32_t>& sent,
                   std::vector<multipaxos::SlotValue>& committed, OnWrite on_write) {
  for (;;) {
    auto out = replica.take_output();
    QUORUM_ASSERT(!out.snapshot, "a snapshot without compaction");
    const bool progress = !out.writes.empty() || !out.messages.empty() || !out.committed.empty();
    for (const auto& w : out.writes) {
      disk.apply(w.record);
      on_write(w.record);
    }
    if (!out.writes.empty()) replica.on_durable(out.writes.back().seq);
    for (Envelope& m : out.messages) sent.push_back(messages.intern(std::move(m)));
    for (multipaxos::SlotValue& c : out.committed) committed.push_back(std::move(c));
    if (!progress) break;
  }
}

// A leader given a client command proposes it and announces its commit
// index at once.
template <class Replica>
void give_command(Replica& r, const Value& command) {
  r.submit(command);
  r.propose();
  r.announce_commit();
}

// A message arrives; then, as the runtime does after each batch of work, a
// leader proposes what queued and announces its commit index.
template <class Replica>
void deliver(Replica& r, const Envelope& e) {
  r.step(e);
  if (r.is_leader()) {
    r.propose();
    r.announce_commit();
  }
}

// InOrder: each replica outputs committed entries as 1, 2, 3, ... (from 1
// again after a restart: the models take no snapshots).
inline void check_in_order(Slot& applied, const std::vector<multipaxos::SlotValue>& committed, std::uint32_t id,
                           const char* entry) {
  for (const multipaxos::SlotValue& c : committed) {
    QUORUM_INVARIANT("InOrder", c.slot == Slot{applied.value() + 1},
                     "replica " + std::to_string(id) + " output " + entry + " " + c.slot.to_string() +
                         " as committed after " + entry + " " + applied.to_string());
    applied = c.slot;
  }
}

// The first value output as committed at each position is recorded (through
// `committed()`, which copies the ghosts on first use); a later output there
// must equal it, or `property` fails.
template <class MutableCommitted>
void record_committed(const std::map<std::uint64_t, std::vector<Value>>& seen,
                      const std::vector<multipaxos::SlotValue>& output, const char* property, const char* entry,
                      MutableCommitted committed) {
  for (const multipaxos::SlotValue& c : output) {
    auto it = seen.find(c.slot.value());
    if (it == seen.end()) {
      committed()[c.slot.value()] = c.value.commands;
    } else {
      QUORUM_INVARIANT(property, it->second == c.value.commands,
                       std::string(entry) + " " + c.slot.to_string() + " was committed with two different values");
    }
  }
}

// Validity: committed entries hold only the commands c1..c<commands>.
inline void check_validity(const std::map<std::uint64_t, std::vector<Value>>& committed, std::uint32_t commands,
                           const char* entry) {
  for (const auto& [at, value] : committed) {
    for (const Value& c : value) {
      bool submitted = false;
      for (std::uint32_t k = 1; k <= commands; ++k) submitted |= c == "c" + std::to_string(k);
      QUORUM_INVARIANT("Validity", submitted,
                       std::string(entry) + " " + std::to_string(at) + " committed \"" + c +
                           "\", which no client sent");
    }
  }
}

// A model state's fingerprint: its nodes', its network's and its ghosts'.
template <class State>
Fingerprint log_state_fingerprint(const State& s) {
  StateDigest d;
  for (const auto& box : s.replicas) {
    d.add(box->fingerprint.hi);
    d.add(box->fingerprint.lo);
  }
  s.network.digest(d);
  d.add(s.submitted);
  d.add(s.crashes_left);
  d.add(s.ghosts->fingerprint.hi);
  d.add(s.ghosts->fingerprint.lo);
  return d.finish();
}

// The committed map of a model's ghosts in a trace's final summary.
inline std::string describe_committed(const std::map<std::uint64_t, std::vector<Value>>& committed) {
  std::string out = "\n   committed:";
  for (const auto& [at, value] : committed) {
    out += " " + std::to_string(at) + "=[";
    for (std::size_t i = 0; i < value.size(); ++i) out += (i ? "," : "") + value[i];
    out += "]";
  }
  return out;
}

}  // namespace quorum::check
