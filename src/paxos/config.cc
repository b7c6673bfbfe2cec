#include "paxos/config.h"

namespace quorum::paxos {

const std::vector<std::string>& bug_names() {
  static const std::vector<std::string> names = {"accept-without-promise", "no-value-adoption",
                                                 "minority-quorum", "consecutive-with-gaps"};
  return names;
}

std::optional<Bugs> bugs_from_name(std::string_view name) {
  Bugs b;
  if (name == "accept-without-promise") {
    b.accept_without_promise = true;
  } else if (name == "no-value-adoption") {
    b.no_value_adoption = true;
  } else if (name == "minority-quorum") {
    b.minority_quorum = true;
  } else if (name == "consecutive-with-gaps") {
    b.consecutive_with_gaps = true;
  } else {
    return std::nullopt;
  }
  return b;
}

std::optional<LearnerRule> learner_rule_from_name(std::string_view name) {
  if (name == "classic") return LearnerRule::kClassic;
  if (name == "consecutive") return LearnerRule::kConsecutive;
  return std::nullopt;
}

const char* learner_rule_name(LearnerRule rule) {
  return rule == LearnerRule::kConsecutive ? "consecutive" : "classic";
}

std::optional<std::uint64_t> ballot_number(Ballot b, NodeSet owners) {
  if (b.round == 0 || !owners.contains(b.node)) return std::nullopt;
  NodeSet below = NodeSet::from_bits((std::uint64_t{1} << (b.node.value() - 1)) - 1);
  return (b.round - 1) * owners.size() + owners.intersect(below).size();
}

QuorumSystem quorum_system_for(NodeSet members, const Bugs& bugs) {
  if (!bugs.minority_quorum) return QuorumSystem::majority(members);
  std::uint32_t f = (members.size() - 1) / 2;
  std::uint32_t q = f == 0 ? 1 : f;
  return QuorumSystem::unchecked(members, q, q);
}

}  // namespace quorum::paxos
