// Single-decree Paxos messages (Lamport, "Paxos Made Simple", 2001).
// Phase 1: Prepare / Promise; phase 2: Accept / Accepted. Nack tells a
// proposer which higher ballot beat it, so it can retry above it. LearnQuery /
// Decided let a learner that missed the Accepted messages catch up.
#pragma once

#include <optional>
#include <string>

#include "core/ballot.h"

namespace quorum {

using Value = std::string;

// A value together with the ballot it was proposed or accepted in.
struct Proposal {
  Ballot ballot;
  Value value;
  bool operator==(const Proposal&) const = default;
};

namespace paxos {

struct Prepare {
  Ballot ballot;
  bool operator==(const Prepare&) const = default;
};
struct Promise {
  Ballot ballot;
  std::optional<Proposal> accepted;  // the acceptor's highest accepted proposal
  bool operator==(const Promise&) const = default;
};
struct Accept {
  Ballot ballot;
  Value value;
  bool operator==(const Accept&) const = default;
};
struct Accepted {
  Ballot ballot;
  Value value;
  bool operator==(const Accepted&) const = default;
};
struct Nack {
  Ballot ballot;    // the rejected ballot
  Ballot promised;  // the acceptor's promise, which is higher
  bool operator==(const Nack&) const = default;
};
struct LearnQuery {
  bool operator==(const LearnQuery&) const = default;
};
struct Decided {
  Value value;
  bool operator==(const Decided&) const = default;
};

}  // namespace paxos
}  // namespace quorum
