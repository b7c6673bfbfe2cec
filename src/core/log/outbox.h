// What a log core hands its host, under construction: the writes it issued,
// the messages it may send now, and the messages waiting for a write to be
// durable (core/durability_gate.h). Both log cores keep one, so "persist
// before you promise" is written once.
#pragma once

#include <cstdint>
#include <utility>

#include "core/durability_gate.h"
#include "core/log/output.h"
#include "core/message.h"
#include "core/node_set.h"

namespace quorum::log {

template <class Write>
class Outbox {
 public:
  using Record = decltype(Write::record);

  explicit Outbox(NodeId self) : self_(self) {}

  // A write to make durable; returns its sequence number.
  std::uint64_t persist(Record r) {
    out_.writes.push_back(Write{gate_.issue(), std::move(r)});
    return gate_.issued();
  }
  // A message that vouches for nothing not yet durable.
  void send_now(NodeId to, Payload p) { out_.messages.push_back(Envelope{self_, to, std::move(p)}); }
  // Held until every write issued so far is durable: the message may vouch
  // for any of them.
  void send_when_durable(NodeId to, Payload p) { gate_.send(Envelope{self_, to, std::move(p)}, out_.messages); }
  // To every member but this replica, now.
  void broadcast(NodeSet members, const Payload& p) {
    for (NodeId to : members.to_vector()) {
      if (to != self_) send_now(to, p);
    }
  }
  // Writes up to `seq` are durable: what waited for them leaves.
  void acknowledge(std::uint64_t seq) { gate_.acknowledge(seq, out_.messages); }

  Output<Write> take() { return std::exchange(out_, Output<Write>{}); }
  // The rest of the output: committed entries, a snapshot, dropped commands,
  // leadership changes.
  Output<Write>& out() { return out_; }
  const DurabilityGate& gate() const { return gate_; }

 private:
  NodeId self_;
  DurabilityGate gate_;
  Output<Write> out_;
};

}  // namespace quorum::log
