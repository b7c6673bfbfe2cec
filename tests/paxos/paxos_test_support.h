// Shared helpers for the Paxos tests: readable printing of messages and
// ballots in failure output, short constructors, and an invariant handler
// that turns a failed in-core check into an exception a test can catch
// (the default handler aborts the whole test binary).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>

#include "core/assert.h"
#include "core/message.h"
#include "core/quorum.h"
#include "paxos/config.h"

namespace quorum {

inline void PrintTo(const Envelope& e, std::ostream* os) { *os << describe(e); }
inline void PrintTo(const Ballot& b, std::ostream* os) { *os << b.to_string(); }
inline void PrintTo(const NodeId& n, std::ostream* os) { *os << n.to_string(); }
inline void PrintTo(const Proposal& p, std::ostream* os) {
  *os << p.ballot.to_string() << ":\"" << p.value << "\"";
}

namespace paxos {
inline void PrintTo(const Payload& p, std::ostream* os) {
  *os << describe(Envelope{NodeId{0}, NodeId{0}, p});
}
}  // namespace paxos

namespace testing_support {

inline Ballot B(std::uint64_t round, std::uint32_t node) { return Ballot{round, NodeId{node}}; }
inline NodeId N(std::uint32_t id) { return NodeId{id}; }

// A failed QUORUM_INVARIANT / QUORUM_ASSERT, as an exception.
struct InvariantViolated : std::runtime_error {
  explicit InvariantViolated(const InvariantFailure& f)
      : std::runtime_error("invariant " + f.property + " violated: " + f.message),
        property(f.property) {}
  std::string property;
};

[[noreturn]] inline void throw_invariant(const InvariantFailure& f) { throw InvariantViolated(f); }

// Install in a fixture (or a test body) so a broken invariant fails one test
// with its name instead of aborting the binary.
class ThrowOnInvariant {
 public:
  ThrowOnInvariant() : guard_(&throw_invariant) {}

 private:
  ScopedInvariantHandler guard_;
};

// Configuration of node `self` in a cluster of nodes 1..n.
inline paxos::Config config_for(std::uint32_t self, std::uint32_t n, paxos::Bugs bugs = {},
                                paxos::Timing timing = {}) {
  return paxos::Config{NodeId{self}, paxos::quorum_system_for(NodeSet::first_n(n), bugs),
                       timing,       paxos::LearnerRule::kClassic,
                       NodeSet{},    bugs,
                       /*seed=*/1000 + self};
}

}  // namespace testing_support
}  // namespace quorum
