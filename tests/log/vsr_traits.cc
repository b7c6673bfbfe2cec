#include "vsr_traits.h"

#include <algorithm>

#include "harness_impl.h"

namespace quorum::logtest {

using Vsr = Traits<vsr::Protocol>;

namespace {

bool carries(const std::vector<log::SlotValue>& entries, std::uint64_t op) {
  return std::any_of(entries.begin(), entries.end(), [&](const log::SlotValue& e) { return e.slot.value() == op; });
}

// The paper's rule, restated so the oracle does not trust the core's.
NodeId primary_of(vsr::View v, std::uint32_t n) { return NodeId{static_cast<std::uint32_t>(v.value() % n) + 1}; }

std::string view_name(vsr::View v) { return "v" + v.to_string(); }

}  // namespace

bool Vsr::names_slot(const Envelope& e, std::uint64_t op) {
  return std::visit(Overloaded{
                        [&](const vsr::Prepare& m) { return carries(m.entries, op); },
                        [&](const vsr::PrepareOk& m) { return m.op.value() == op; },
                        [&](const vsr::StartView& m) { return carries(m.entries, op); },
                        [&](const vsr::NewState& m) { return carries(m.entries, op); },
                        [&](const vsr::DoViewChange& m) { return carries(m.suffix, op); },
                        [](const auto&) { return false; },
                    },
                    e.payload);
}

std::string Vsr::describe(const vsr::Record& r) {
  return std::visit(Overloaded{
                        [](const vsr::ViewRecord& v) {
                          return "View(" + view_name(v.view) + ", normal in " + view_name(v.log_view) + ")";
                        },
                        [](const vsr::LogRecord& l) {
                          return "Log(" + view_name(l.view) + ", after " + l.base.to_string() + ": " +
                                 show(l.entries) + ", commit " + l.commit.to_string() + ")";
                        },
                        [](const vsr::CompactRecord& c) {
                          return "Compact(" + view_name(c.view) + ", normal in " + view_name(c.log_view) + ", upto " +
                                 c.compacted.to_string() + ", commit " + c.commit.to_string() + ", ops " +
                                 show(c.entries) + ")";
                        },
                    },
                    r);
}

std::string Vsr::status(const vsr::Replica& r) {
  return std::string(r.role_name()) + " view=" + r.view().to_string() + " log_view=" + r.log_view().to_string() +
         " op=" + r.op().to_string() + " commit=" + r.commit_index().to_string();
}

bool Vsr::elect(H& h, std::uint32_t id) {
  const int max_ticks = static_cast<int>(2 * h.size() * h.options().timing.election_timeout_max_ticks);
  for (int t = 0; t < max_ticks; ++t) {
    if (!h.is_up(id)) return false;
    if (h.core(id).is_leader()) return true;
    for (std::uint32_t r = 1; r <= h.size(); ++r) {
      if (h.is_up(r) && !h.core(r).is_leader()) h.tick(r);
    }
    h.settle();
  }
  return h.is_up(id) && h.core(id).is_leader();
}

// ---------------------------------------------------------------- the oracle

void Vsr::Oracle::prepared(vsr::View v, const std::vector<log::SlotValue>& entries, const char* how,
                           std::vector<std::string>& found) {
  for (const log::SlotValue& e : entries) {
    auto [it, fresh] = prepared_.emplace(Key{v, e.slot}, e.value);
    if (!fresh && it->second != e.value) {
      found.push_back("view " + v.to_string() + " prepared two values at op " + e.slot.to_string() + ": " +
                      show(it->second) + ", and " + show(e.value) + " in a " + how);
    }
  }
}

// Persist before you promise: what the PrepareOk says, the sender's durable
// log must hold. A sender whose durable log has moved to a later view may
// have replaced these ops since; what it said then is not checkable now.
void Vsr::Oracle::vouch(const H& h, NodeId from, const vsr::PrepareOk& m, std::vector<std::string>& found) {
  const vsr::DurableState& d = h.durable_state(from.value());
  const std::string who = "a PrepareOk(" + view_name(m.view) + ", op " + m.op.to_string() + ") from " +
                          from.to_string();
  if (d.log_view > m.view) return;
  if (d.log_view < m.view) {
    found.push_back(who + ", whose durable log is from " + view_name(d.log_view));
    return;
  }
  for (Slot op{d.compacted.value() + 1}; op <= m.op; op = Slot{op.value() + 1}) {
    auto held = d.log.find(op);
    if (held == d.log.end()) {
      found.push_back(who + " vouches for op " + op.to_string() + ", which its durable log lacks");
      continue;
    }
    auto p = prepared_.find(Key{m.view, op});
    if (p != prepared_.end() && p->second != held->second) {
      found.push_back(who + " vouches for op " + op.to_string() + ", which it holds as " + show(held->second) +
                      " where " + view_name(m.view) + " prepared " + show(p->second));
      continue;
    }
    holders_[{m.view, op, held->second.commands}].insert(from);
  }
}

std::vector<std::string> Vsr::Oracle::sent(const H& h, const Envelope& e) {
  std::vector<std::string> found;
  std::visit(Overloaded{
                 [&](const vsr::Prepare& m) { prepared(m.view, m.entries, "Prepare", found); },
                 [&](const vsr::StartView& m) { prepared(m.view, m.entries, "StartView", found); },
                 [&](const vsr::NewState& m) {
                   if (!m.committed_only) prepared(m.view, m.entries, "NewState", found);
                 },
                 [&](const vsr::PrepareOk& m) { vouch(h, e.from, m, found); },
                 [](const auto&) {},
             },
             e.payload);
  return found;
}

// A primary holds its own log: the ops its durable records wrote in its view.
std::vector<std::string> Vsr::Oracle::durable(const H& h, std::uint32_t id, const vsr::Record& r) {
  auto own = [&](vsr::View v, const std::vector<log::SlotValue>& entries) {
    if (primary_of(v, h.size()) != NodeId{id}) return;
    for (const log::SlotValue& e : entries) holders_[{v, e.slot, e.value.commands}].insert(NodeId{id});
  };
  std::visit(Overloaded{
                 [&](const vsr::LogRecord& l) { own(l.view, l.entries); },
                 [&](const vsr::CompactRecord& c) { own(c.log_view, c.entries); },
                 [](const vsr::ViewRecord&) {},
             },
             r);
  return {};
}

std::vector<std::string> Vsr::Oracle::committed(const H& h, std::uint32_t id, const log::SlotValue& c) {
  if (!checked_.insert(c.slot).second) return {};
  const QuorumSystem q = QuorumSystem::majority(NodeSet::first_n(h.size()));
  for (const auto& [key, holders] : holders_) {
    const auto& [view, op, value] = key;
    if (op == c.slot && value == c.value.commands && q.is_phase2_quorum(holders)) return {};
  }
  return {"replica " + std::to_string(id) + " committed op " + c.slot.to_string() + " as " + show(c.value) +
          ", which no majority held durably in one view"};
}

std::vector<std::string> Vsr::Oracle::after(const H& h) {
  auto normal = [](const vsr::Replica& r) {
    return r.role() != log::Role::kCandidate && !r.transferring() && r.log_view() == r.view();
  };
  vsr::View newest{0};
  for (std::uint32_t id = 1; id <= h.size(); ++id) {
    if (h.is_up(id) && normal(h.core(id))) newest = std::max(newest, h.core(id).view());
  }
  std::vector<std::string> found;
  for (std::uint32_t id = 1; id <= h.size(); ++id) {
    if (!h.is_up(id)) continue;
    const vsr::Replica& r = h.core(id);
    if (!normal(r) || r.view() != newest) continue;
    for (const auto& [op, value] : h.committed_anywhere()) {
      if (op > r.op() || op <= r.compacted()) continue;
      const std::optional<log::Batch> held = r.entry(op);
      if (held == value || !reported_.insert({id, newest, op}).second) continue;
      found.push_back("LogMatchesCommitted: replica " + std::to_string(id) + ", normal in " + view_name(newest) +
                      ", holds " + (held ? show(*held) : "nothing") + " at committed op " + op.to_string() +
                      " (committed as " + show(value) + ")");
    }
  }
  return found;
}

template class LogHarness<vsr::Protocol>;

}  // namespace quorum::logtest
