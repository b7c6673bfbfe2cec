// The peer message envelope: every protocol's messages in one closed variant,
// so the codec and every dispatcher are checked for exhaustiveness at compile
// time (adding a message type fails the build until it is handled everywhere).
#pragma once

#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/ids.h"
#include "core/log/snapshot_messages.h"
#include "core/multipaxos_messages.h"
#include "core/paxos_messages.h"
#include "core/vsr_messages.h"

namespace quorum {

// Commands a replica relays, for clients connected to it, to the replica it
// believes leads (every replica accepts every command). Not a protocol
// message: the runtime hands them to its core's submit(); cores ignore it.
struct Forward {
  std::vector<Value> commands;
  bool operator==(const Forward&) const = default;
};

// The message types of each protocol, as lists, so a core can name the
// messages it ignores by family (see IgnoredMessages below).
template <class... Ts>
struct TypeList {};

using PaxosMessages = TypeList<paxos::Prepare, paxos::Promise, paxos::Accept, paxos::Accepted, paxos::Nack,
                               paxos::LearnQuery, paxos::Decided>;
using MultiPaxosMessages =
    TypeList<multipaxos::Prepare, multipaxos::Promise, multipaxos::Accept, multipaxos::Accepted, multipaxos::Nack,
             multipaxos::Heartbeat, multipaxos::HeartbeatReply, multipaxos::CatchUpRequest, multipaxos::CatchUpReply>;
// Every log protocol: snapshot transfer.
using LogMessages = TypeList<log::SnapshotRequest, log::SnapshotChunk>;
using VsrMessages = TypeList<vsr::Prepare, vsr::PrepareOk, vsr::Commit, vsr::StartViewChange, vsr::DoViewChange,
                             vsr::StartView, vsr::GetState, vsr::NewState>;
// Not protocol messages: the runtime's relay of client commands.
using RuntimeMessages = TypeList<Forward>;

namespace detail {
template <class... Lists>
struct Concat;
template <class... Ts>
struct Concat<TypeList<Ts...>> {
  using type = TypeList<Ts...>;
};
template <class... As, class... Bs, class... Rest>
struct Concat<TypeList<As...>, TypeList<Bs...>, Rest...> : Concat<TypeList<As..., Bs...>, Rest...> {};

template <class List>
struct AsVariant;
template <class... Ts>
struct AsVariant<TypeList<Ts...>> {
  using type = std::variant<Ts...>;
};

template <class T, class List>
inline constexpr bool kInList = false;
template <class T, class... Ts>
inline constexpr bool kInList<T, TypeList<Ts...>> = (std::is_same_v<T, Ts> || ...);
}  // namespace detail

using AllMessages =
    detail::Concat<PaxosMessages, MultiPaxosMessages, LogMessages, VsrMessages, RuntimeMessages>::type;
using Payload = detail::AsVariant<AllMessages>::type;

// The last branch of a core's message visitor: the message families it
// ignores on purpose. A message type that is neither handled by an earlier
// branch nor in one of these lists fails the build, so a new message a core
// forgets cannot compile and be silently dropped.
template <class... Lists>
struct IgnoredMessages {
  template <class M>
  void operator()(const M&) const {
    static_assert(detail::kInList<M, typename detail::Concat<Lists...>::type>,
                  "this core neither handles this message type nor lists it as ignored");
  }
};

struct Envelope {
  NodeId from;
  NodeId to;
  Payload payload;
  bool operator==(const Envelope&) const = default;
};

// Short human name of a payload type ("Prepare", "Promise", ...).
const char* payload_name(const Payload& p);
// One-line human rendering, used in traces and the demo.
std::string describe(const Envelope& e);

// For std::visit over a closed set of lambdas.
template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace quorum
