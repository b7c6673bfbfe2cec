// The driving surface every replicated-log core offers (multipaxos::Replica,
// vsr::Replica), as C++20 concepts, so the one host (host/replica_host.h)
// runs either, and a core that drifts from the surface fails the build where
// it is declared (each protocol.h static_asserts its traits).
//
// A core is pure: inputs are method calls, outputs are the value
// take_output() returns (core/log/output.h). Time arrives as tick(),
// durability as on_durable(seq).
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/log/config.h"
#include "core/log/output.h"
#include "core/message.h"
#include "core/quorum.h"
#include "core/record_codec.h"
#include "core/result.h"
#include "core/state_digest.h"

namespace quorum::log {

// What a replica is doing, protocol-neutral: what a host, a status page or
// the model checker may ask of any log core.
enum class Role : std::uint8_t {
  kFollower,   // Multi-Paxos follower; VSR backup normal in its view
  kCandidate,  // Multi-Paxos phase 1; VSR view change
  kLeader,     // Multi-Paxos leader past phase 1; VSR primary normal in its view
  kCatchingUp, // VSR backup normal in a view whose log it is fetching (state transfer)
};
const char* role_name(Role r);

template <class R>
concept Replica = requires(R r, const R cr, const Envelope& e, Value v, std::uint64_t seq, Slot s,
                           std::shared_ptr<const std::string> snapshot, StateDigest& d) {
  typename R::Write;
  r.step(e);
  r.tick();
  { r.submit(v) } -> std::same_as<SubmitResult>;
  r.propose();
  r.announce_commit();
  r.on_durable(seq);
  { r.take_output() } -> std::same_as<Output<typename R::Write>>;
  r.compact(s, snapshot);
  { cr.id() } -> std::same_as<NodeId>;
  { cr.role() } -> std::same_as<Role>;
  { cr.is_leader() } -> std::same_as<bool>;
  { cr.leader_hint() } -> std::same_as<NodeId>;
  { cr.commit_index() } -> std::same_as<Slot>;
  { cr.compacted() } -> std::same_as<Slot>;
  { cr.pending_commands() } -> std::same_as<std::size_t>;
  { cr.held_messages() } -> std::same_as<std::size_t>;
  { cr.peer_commit(NodeId{}) } -> std::same_as<Slot>;
  cr.digest(d);
};

// A log protocol as a host sees it: the core, its configuration, its durable
// records and how to read them back.
template <class P>
concept Protocol = Replica<typename P::Replica> && requires(std::string_view bytes, const typename P::DurableState& s,
                                                            typename P::DurableState& ms,
                                                            const typename P::Record& rec, NodeId id,
                                                            QuorumSystem quorums, Timing timing, Limits limits,
                                                            typename P::Bugs bugs, std::uint64_t seed) {
  typename P::Config;
  typename P::Bugs;
  typename P::Record;
  typename P::CompactRecord;
  requires std::same_as<typename P::Replica::Write, typename P::Write>;
  requires std::constructible_from<typename P::Replica, typename P::Config, const typename P::DurableState&,
                                   RecoveredSnapshot>;
  { typename P::Config{id, quorums, timing, limits, bugs, seed} } -> std::same_as<typename P::Config>;
  { P::kRecordType } -> std::convertible_to<RecordType>;
  { P::kName } -> std::convertible_to<const char*>;
  { P::kEpoch } -> std::convertible_to<const char*>;  // what the leader's number is called: ballot, view
  { P::decode(bytes) } -> std::same_as<Result<typename P::Record, std::string>>;
  { P::describe(s) } -> std::same_as<std::string>;
  { P::epoch(std::declval<const typename P::Replica&>()) } -> std::same_as<std::string>;
  ms.apply(rec);
};

}  // namespace quorum::log
