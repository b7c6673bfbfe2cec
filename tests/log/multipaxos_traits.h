// The Multi-Paxos side of the log harness (harness.h): message types, what a
// message's "slot" is (an Accept's entries, an Accepted's slots), election
// (tick the candidate until it campaigns, then deliver and sync), and the
// oracle:
//   - a ballot proposes one value per slot (its Accepts never disagree);
//   - a slot is chosen when a quorum sent Accepteds for it in one ballot, and
//     Consistency: no slot is chosen with two values;
//   - every committed value is the value the oracle saw chosen there
//     ("which no quorum accepted" otherwise).
// Scenario tests include this header and write MultiPaxosHarness.
#pragma once

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness.h"
#include "multipaxos/protocol.h"

namespace quorum::logtest {

template <>
struct Traits<multipaxos::Protocol> {
  using P = multipaxos::Protocol;
  using H = LogHarness<P>;

  static constexpr std::array<std::string_view, 11> kMessageTypes = {
      "Prepare",        "Promise",        "Accept",       "Accepted",        "Nack",         "Heartbeat",
      "HeartbeatReply", "CatchUpRequest", "CatchUpReply", "SnapshotRequest", "SnapshotChunk"};
  static constexpr std::string_view kHeartbeat = "Heartbeat";

  // Accepts with an entry for `slot`, Accepteds that name it.
  static bool names_slot(const Envelope& e, std::uint64_t slot);
  static std::string describe(const multipaxos::Record& r);
  static std::string status(const multipaxos::Replica& r);
  // Ticks only `id` until it campaigns, then delivers and syncs (no ticks)
  // until it leads.
  static bool elect(H& h, std::uint32_t id);

  class Oracle {
   public:
    std::vector<std::string> sent(const H& h, const Envelope& e);
    std::vector<std::string> durable(const H&, std::uint32_t, const multipaxos::Record&) { return {}; }
    std::vector<std::string> committed(const H& h, std::uint32_t id, const log::SlotValue& c);
    std::vector<std::string> after(const H&) { return {}; }
    // Slots a quorum accepted in one ballot, with that value.
    const std::map<Slot, log::Batch>& chosen() const { return chosen_; }

   private:
    std::map<std::pair<Ballot, Slot>, log::Batch> proposed_;  // from Accepts
    std::map<std::pair<Ballot, Slot>, NodeSet> votes_;        // from Accepteds
    std::map<Slot, log::Batch> chosen_;
  };
};

using MultiPaxosHarness = LogHarness<multipaxos::Protocol>;
using MultiPaxosOptions = HarnessOptions<multipaxos::Protocol>;
extern template class LogHarness<multipaxos::Protocol>;

inline Ballot B(std::uint64_t round, std::uint32_t node) { return Ballot{round, NodeId{node}}; }

}  // namespace quorum::logtest

namespace quorum::multipaxos {
inline void PrintTo(const SlotVote& v, std::ostream* os) {
  *os << v.slot.to_string() << "@" << v.ballot.to_string() << ":" << logtest::show(v.value);
}
}  // namespace quorum::multipaxos
