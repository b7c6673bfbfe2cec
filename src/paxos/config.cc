#include "paxos/config.h"

namespace quorum::paxos {

const std::vector<std::string>& bug_names() {
  static const std::vector<std::string> names = {"accept-without-promise", "no-value-adoption",
                                                 "minority-quorum"};
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
  } else {
    return std::nullopt;
  }
  return b;
}

QuorumSystem quorum_system_for(NodeSet members, const Bugs& bugs) {
  if (!bugs.minority_quorum) return QuorumSystem::majority(members);
  std::uint32_t f = (members.size() - 1) / 2;
  std::uint32_t q = f == 0 ? 1 : f;
  return QuorumSystem::unchecked(members, q, q);
}

}  // namespace quorum::paxos
