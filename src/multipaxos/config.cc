#include "multipaxos/config.h"

namespace quorum::multipaxos {

const std::vector<std::string>& bug_names() {
  static const std::vector<std::string> names = {"skip-phase1-on-takeover",
                                                 "commit-before-quorum", "apply-out-of-order"};
  return names;
}

std::optional<Bugs> bugs_from_name(std::string_view name) {
  Bugs b;
  if (name == "skip-phase1-on-takeover") {
    b.skip_phase1_on_takeover = true;
  } else if (name == "commit-before-quorum") {
    b.commit_before_quorum = true;
  } else if (name == "apply-out-of-order") {
    b.apply_out_of_order = true;
  } else {
    return std::nullopt;
  }
  return b;
}

}  // namespace quorum::multipaxos
