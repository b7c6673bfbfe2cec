#include "multipaxos/records.h"

#include <algorithm>

#include "core/message.h"

namespace quorum::multipaxos {

void DurableState::apply(const Record& r) {
  std::visit(Overloaded{
                 [&](const PromiseRecord& p) { promised = std::max(promised, p.ballot); },
                 [&](const AcceptRecord& a) {
                   promised = std::max(promised, a.ballot);
                   for (const SlotValue& e : a.entries) {
                     if (e.slot > compacted) accepted[e.slot] = SlotVote{e.slot, a.ballot, e.value};
                   }
                 },
                 [&](const CompactRecord& c) {
                   promised = std::max(promised, c.promised);
                   compacted = std::max(compacted, c.compacted);
                   accepted.erase(accepted.begin(), accepted.upper_bound(compacted));
                   for (const SlotVote& v : c.votes) {
                     if (v.slot > compacted) accepted[v.slot] = v;
                   }
                 },
             },
             r);
}

void DurableState::digest(StateDigest& d) const {
  d.add(promised);
  for (const auto& [slot, v] : accepted) {
    d.add(slot.value());
    d.add(v.ballot);
    for (const Value& c : v.value.commands) d.add(c);
    d.separator();
  }
  d.add(compacted.value());
}

}  // namespace quorum::multipaxos
