#include "multipaxos_traits.h"

#include <algorithm>

#include "harness_impl.h"

namespace quorum::logtest {

using Mp = Traits<multipaxos::Protocol>;

bool Mp::names_slot(const Envelope& e, std::uint64_t slot) {
  if (const auto* a = std::get_if<multipaxos::Accept>(&e.payload)) {
    return std::any_of(a->entries.begin(), a->entries.end(),
                       [&](const log::SlotValue& v) { return v.slot.value() == slot; });
  }
  if (const auto* a = std::get_if<multipaxos::Accepted>(&e.payload)) {
    return std::any_of(a->slots.begin(), a->slots.end(), [&](Slot s) { return s.value() == slot; });
  }
  return false;
}

std::string Mp::describe(const multipaxos::Record& r) {
  return std::visit(Overloaded{
                        [](const multipaxos::PromiseRecord& p) { return "Promise(" + p.ballot.to_string() + ")"; },
                        [](const multipaxos::AcceptRecord& a) {
                          return "Accept(" + a.ballot.to_string() + ", " + show(a.entries) + ")";
                        },
                        [](const multipaxos::CompactRecord& c) {
                          std::string votes;
                          for (const auto& v : c.votes) {
                            votes += " " + v.slot.to_string() + "@" + v.ballot.to_string() + ":" + show(v.value);
                          }
                          return "Compact(promised " + c.promised.to_string() + ", upto " + c.compacted.to_string() +
                                 ", votes" + (votes.empty() ? " none" : votes) + ")";
                        },
                    },
                    r);
}

std::string Mp::status(const multipaxos::Replica& r) {
  return std::string(r.role_name()) + " ballot=" + r.promised().to_string() + " commit=" +
         r.commit_index().to_string() + " leader=" + r.leader_hint().to_string();
}

bool Mp::elect(H& h, std::uint32_t id) {
  const std::uint32_t max_wait = h.options().timing.election_timeout_max_ticks + 1;
  for (std::uint32_t i = 0; i < max_wait && h.core(id).role() == log::Role::kFollower; ++i) h.tick(id);
  for (int r = 0; r < 50 && h.is_up(id) && !h.core(id).is_leader(); ++r) {
    h.sync_all();
    h.deliver_all();
  }
  return h.is_up(id) && h.core(id).is_leader();
}

// Accepts tell which value a ballot proposes at a slot, Accepteds which
// acceptors voted for it (an Accepted leaves only once the vote is durable).
std::vector<std::string> Mp::Oracle::sent(const H& h, const Envelope& e) {
  std::vector<std::string> found;
  if (const auto* a = std::get_if<multipaxos::Accept>(&e.payload)) {
    for (const log::SlotValue& v : a->entries) {
      auto [it, fresh] = proposed_.emplace(std::make_pair(a->ballot, v.slot), v.value);
      if (!fresh && it->second != v.value) {
        found.push_back("ballot " + a->ballot.to_string() + " proposed two values at slot " + v.slot.to_string() +
                        ": " + show(it->second) + " and " + show(v.value));
      }
    }
  } else if (const auto* acc = std::get_if<multipaxos::Accepted>(&e.payload)) {
    const QuorumSystem q = QuorumSystem::majority(NodeSet::first_n(h.size()));
    for (Slot s : acc->slots) {
      NodeSet& voters = votes_[{acc->ballot, s}];
      voters.insert(e.from);
      if (!q.is_phase2_quorum(voters)) continue;
      auto p = proposed_.find({acc->ballot, s});
      if (p == proposed_.end()) {
        found.push_back("an Accepted for ballot " + acc->ballot.to_string() + " slot " + s.to_string() +
                        " that no Accept proposed");
        continue;
      }
      auto [it, fresh] = chosen_.emplace(s, p->second);
      if (!fresh && it->second != p->second) {
        found.push_back("Consistency: slot " + s.to_string() + " chosen as " + show(it->second) + " and again as " +
                        show(p->second) + " in ballot " + acc->ballot.to_string());
      }
    }
  }
  return found;
}

std::vector<std::string> Mp::Oracle::committed(const H&, std::uint32_t id, const log::SlotValue& c) {
  auto ch = chosen_.find(c.slot);
  if (ch == chosen_.end()) {
    return {"replica " + std::to_string(id) + " committed " + show(c.value) + " at slot " + c.slot.to_string() +
            " which no quorum accepted"};
  }
  if (ch->second != c.value) {
    return {"replica " + std::to_string(id) + " committed " + show(c.value) + " at slot " + c.slot.to_string() +
            " but a quorum accepted " + show(ch->second)};
  }
  return {};
}

template class LogHarness<multipaxos::Protocol>;

}  // namespace quorum::logtest
