#include "vsr/records.h"

#include <algorithm>

#include "core/message.h"

namespace quorum::vsr {

void DurableState::apply(const Record& r) {
  any = true;
  std::visit(Overloaded{
                 [&](const ViewRecord& v) {
                   view = std::max(view, v.view);
                   log_view = std::max(log_view, v.log_view);
                 },
                 [&](const LogRecord& l) {
                   view = std::max(view, l.view);
                   log_view = std::max(log_view, l.view);
                   log.erase(log.upper_bound(l.base), log.end());
                   for (const SlotValue& e : l.entries) {
                     if (e.slot > compacted) log[e.slot] = e.value;
                   }
                   commit = std::max(commit, l.commit);
                 },
                 [&](const CompactRecord& c) {
                   view = std::max(view, c.view);
                   log_view = std::max(log_view, c.log_view);
                   compacted = std::max(compacted, c.compacted);
                   commit = std::max(commit, c.commit);
                   log.erase(log.begin(), log.upper_bound(compacted));
                   for (const SlotValue& e : c.entries) {
                     if (e.slot > compacted) log[e.slot] = e.value;
                   }
                 },
             },
             r);
  commit = std::max(commit, compacted);
}

void DurableState::digest(StateDigest& d) const {
  d.add(view.value());
  d.add(log_view.value());
  for (const auto& [op, batch] : log) {
    d.add(op.value());
    for (const Value& c : batch.commands) d.add(c);
    d.separator();
  }
  d.add(compacted.value());
  d.add(commit.value());
  d.add(static_cast<std::uint64_t>(any));
}

}  // namespace quorum::vsr
