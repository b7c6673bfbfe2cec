// The VSR side of the log harness (harness.h): message types, what a
// message's "slot" is (an op a Prepare, StartView, NewState or DoViewChange
// carries, or the op a PrepareOk acknowledges), election (the primary of view
// v is replica v mod n + 1, so the harness lets backups time out, without
// ticking the primary, until `id`'s view starts), and the oracle:
//   - a view prepares one value per op (its primary's Prepares and
//     StartViews, and NewStates from replicas normal in it, never disagree);
//   - a PrepareOk vouches only for what its sender holds durably: every op up
//     to the one it acknowledges is in the sender's durable log, with the
//     value the view prepared;
//   - an op is committed only after a majority held it durably in one view
//     (the PrepareOks that vouched honestly, and the primary's own records);
//   - LogMatchesCommitted: every replica normal in the newest view holds
//     every committed op with its committed value (VSR's safety property:
//     committed ops survive view changes).
// Scenario tests include this header and write VsrHarness.
#pragma once

#include <array>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "harness.h"
#include "vsr/protocol.h"

namespace quorum::logtest {

template <>
struct Traits<vsr::Protocol> {
  using P = vsr::Protocol;
  using H = LogHarness<P>;

  static constexpr std::array<std::string_view, 10> kMessageTypes = {
      "Prepare",  "PrepareOk", "Commit",          "StartViewChange", "DoViewChange",
      "StartView", "GetState", "NewState", "SnapshotRequest", "SnapshotChunk"};
  static constexpr std::string_view kHeartbeat = "Commit";

  static bool names_slot(const Envelope& e, std::uint64_t op);
  static std::string describe(const vsr::Record& r);
  static std::string status(const vsr::Replica& r);
  // Until `id` leads: ticks every replica that does not lead (a primary
  // that ticks sends heartbeats and keeps its view), settling in between.
  static bool elect(H& h, std::uint32_t id);

  class Oracle {
   public:
    std::vector<std::string> sent(const H& h, const Envelope& e);
    std::vector<std::string> durable(const H& h, std::uint32_t id, const vsr::Record& r);
    std::vector<std::string> committed(const H& h, std::uint32_t id, const log::SlotValue& c);
    std::vector<std::string> after(const H& h);

   private:
    using Key = std::pair<vsr::View, Slot>;
    void prepared(vsr::View v, const std::vector<log::SlotValue>& entries, const char* how,
                  std::vector<std::string>& found);
    void vouch(const H& h, NodeId from, const vsr::PrepareOk& m, std::vector<std::string>& found);

    std::map<Key, log::Batch> prepared_;
    // Who durably held an op with a value in a view: backups whose PrepareOk
    // vouched for it honestly, primaries by their own records.
    std::map<std::tuple<vsr::View, Slot, std::vector<Value>>, NodeSet> holders_;  // value: the batch's commands
    std::set<Slot> checked_;  // ops whose first commit was checked
    std::set<std::tuple<std::uint32_t, vsr::View, Slot>> reported_;
  };
};

using VsrHarness = LogHarness<vsr::Protocol>;
using VsrOptions = HarnessOptions<vsr::Protocol>;
extern template class LogHarness<vsr::Protocol>;

inline vsr::View V(std::uint64_t v) { return vsr::View{v}; }

}  // namespace quorum::logtest

namespace quorum::vsr {
inline void PrintTo(const View& v, std::ostream* os) { *os << "view " << v.to_string(); }
}  // namespace quorum::vsr
