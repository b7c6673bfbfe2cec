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
                     accepted[e.slot] = SlotVote{e.slot, a.ballot, e.value};
                   }
                 },
             },
             r);
}

}  // namespace quorum::multipaxos
