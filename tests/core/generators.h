// rapidcheck generators for peer messages of every protocol. They produce only envelopes the
// codec must accept (node ids 1..64, values far below the limit), so any
// round-trip failure is the codec's fault, not the generator's.
#pragma once

#include <rapidcheck.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/message.h"
#include "core/node_set.h"

namespace quorum::test {

// Values: mostly short, sometimes a few KiB, any byte (NUL included) allowed.
inline rc::Gen<Value> gen_value() {
  using namespace rc;
  return gen::weightedOneOf<Value>({
      {4, gen::arbitrary<std::string>()},
      {1, gen::mapcat(gen::inRange<std::size_t>(0, 4097),
                      [](std::size_t n) {
                        return gen::container<std::string>(n, gen::arbitrary<char>());
                      })},
  });
}

// Up to `max` elements: messages carry a handful of entries, and a few are
// enough to exercise the repeated-field paths without slowing the properties.
template <typename T>
rc::Gen<std::vector<T>> small_vector(rc::Gen<T> element, std::size_t max = 4) {
  using namespace rc;
  return gen::mapcat(gen::inRange<std::size_t>(0, max + 1), [element](std::size_t n) {
    return gen::container<std::vector<T>>(n, element);
  });
}

}  // namespace quorum::test

namespace rc {

template <>
struct Arbitrary<quorum::NodeId> {
  static Gen<quorum::NodeId> arbitrary() {
    return gen::map(gen::inRange<std::uint32_t>(1, quorum::kMaxNodes + 1),
                    [](std::uint32_t v) { return quorum::NodeId{v}; });
  }
};

template <>
struct Arbitrary<quorum::Ballot> {
  // The zero ballot is legal on the wire (a Promise for a fresh acceptor
  // carries it), so it gets its own weight instead of being left to chance.
  static Gen<quorum::Ballot> arbitrary() {
    return gen::weightedOneOf<quorum::Ballot>({
        {1, gen::just(quorum::Ballot::zero())},
        {6, gen::build<quorum::Ballot>(gen::set(&quorum::Ballot::round),
                                       gen::set(&quorum::Ballot::node))},
    });
  }
};

template <>
struct Arbitrary<quorum::Proposal> {
  static Gen<quorum::Proposal> arbitrary() {
    return gen::build<quorum::Proposal>(
        gen::set(&quorum::Proposal::ballot),
        gen::set(&quorum::Proposal::value, quorum::test::gen_value()));
  }
};

template <>
struct Arbitrary<quorum::paxos::Prepare> {
  static Gen<quorum::paxos::Prepare> arbitrary() {
    return gen::build<quorum::paxos::Prepare>(gen::set(&quorum::paxos::Prepare::ballot));
  }
};

template <>
struct Arbitrary<quorum::paxos::Promise> {
  static Gen<quorum::paxos::Promise> arbitrary() {
    using quorum::Proposal;
    auto accepted = gen::weightedOneOf<std::optional<Proposal>>({
        {1, gen::just(std::optional<Proposal>{})},
        {2, gen::map(gen::arbitrary<Proposal>(),
                     [](Proposal p) { return std::optional<Proposal>{std::move(p)}; })},
    });
    return gen::build<quorum::paxos::Promise>(
        gen::set(&quorum::paxos::Promise::ballot),
        gen::set(&quorum::paxos::Promise::accepted, accepted));
  }
};

template <>
struct Arbitrary<quorum::paxos::Accept> {
  static Gen<quorum::paxos::Accept> arbitrary() {
    return gen::build<quorum::paxos::Accept>(
        gen::set(&quorum::paxos::Accept::ballot),
        gen::set(&quorum::paxos::Accept::value, quorum::test::gen_value()));
  }
};

template <>
struct Arbitrary<quorum::paxos::Accepted> {
  static Gen<quorum::paxos::Accepted> arbitrary() {
    return gen::build<quorum::paxos::Accepted>(
        gen::set(&quorum::paxos::Accepted::ballot),
        gen::set(&quorum::paxos::Accepted::value, quorum::test::gen_value()));
  }
};

template <>
struct Arbitrary<quorum::paxos::Nack> {
  static Gen<quorum::paxos::Nack> arbitrary() {
    return gen::build<quorum::paxos::Nack>(gen::set(&quorum::paxos::Nack::ballot),
                                           gen::set(&quorum::paxos::Nack::promised));
  }
};

template <>
struct Arbitrary<quorum::paxos::LearnQuery> {
  static Gen<quorum::paxos::LearnQuery> arbitrary() {
    return gen::just(quorum::paxos::LearnQuery{});
  }
};

template <>
struct Arbitrary<quorum::paxos::Decided> {
  static Gen<quorum::paxos::Decided> arbitrary() {
    return gen::build<quorum::paxos::Decided>(
        gen::set(&quorum::paxos::Decided::value, quorum::test::gen_value()));
  }
};

// ---- Multi-Paxos -------------------------------------------------------------

template <>
struct Arbitrary<quorum::Slot> {
  static Gen<quorum::Slot> arbitrary() {
    return gen::map(gen::arbitrary<std::uint64_t>(),
                    [](std::uint64_t v) { return quorum::Slot{v}; });
  }
};

template <>
struct Arbitrary<quorum::multipaxos::Batch> {
  // Empty batches (the no-op) come from the length 0 case.
  static Gen<quorum::multipaxos::Batch> arbitrary() {
    using M = quorum::multipaxos::Batch;
    return gen::build<M>(
        gen::set(&M::commands, quorum::test::small_vector(gen::arbitrary<std::string>())));
  }
};

template <>
struct Arbitrary<quorum::multipaxos::SlotVote> {
  static Gen<quorum::multipaxos::SlotVote> arbitrary() {
    using M = quorum::multipaxos::SlotVote;
    return gen::build<M>(gen::set(&M::slot), gen::set(&M::ballot), gen::set(&M::value));
  }
};

template <>
struct Arbitrary<quorum::multipaxos::SlotValue> {
  static Gen<quorum::multipaxos::SlotValue> arbitrary() {
    using M = quorum::multipaxos::SlotValue;
    return gen::build<M>(gen::set(&M::slot), gen::set(&M::value));
  }
};

template <>
struct Arbitrary<quorum::multipaxos::Prepare> {
  static Gen<quorum::multipaxos::Prepare> arbitrary() {
    using M = quorum::multipaxos::Prepare;
    return gen::build<M>(gen::set(&M::ballot), gen::set(&M::from_slot));
  }
};

template <>
struct Arbitrary<quorum::multipaxos::Promise> {
  static Gen<quorum::multipaxos::Promise> arbitrary() {
    using M = quorum::multipaxos::Promise;
    return gen::build<M>(
        gen::set(&M::ballot), gen::set(&M::commit),
        gen::set(&M::chosen,
                 quorum::test::small_vector(gen::arbitrary<quorum::multipaxos::SlotValue>())),
        gen::set(&M::votes,
                 quorum::test::small_vector(gen::arbitrary<quorum::multipaxos::SlotVote>())),
        gen::set(&M::compacted));
  }
};

template <>
struct Arbitrary<quorum::multipaxos::Accept> {
  static Gen<quorum::multipaxos::Accept> arbitrary() {
    using M = quorum::multipaxos::Accept;
    return gen::build<M>(
        gen::set(&M::ballot),
        gen::set(&M::entries,
                 quorum::test::small_vector(gen::arbitrary<quorum::multipaxos::SlotValue>())),
        gen::set(&M::commit));
  }
};

template <>
struct Arbitrary<quorum::multipaxos::Accepted> {
  static Gen<quorum::multipaxos::Accepted> arbitrary() {
    using M = quorum::multipaxos::Accepted;
    return gen::build<M>(gen::set(&M::ballot),
                         gen::set(&M::slots,
                                  quorum::test::small_vector(gen::arbitrary<quorum::Slot>())),
                         gen::set(&M::commit));
  }
};

template <>
struct Arbitrary<quorum::multipaxos::Nack> {
  static Gen<quorum::multipaxos::Nack> arbitrary() {
    using M = quorum::multipaxos::Nack;
    return gen::build<M>(gen::set(&M::ballot), gen::set(&M::promised));
  }
};

template <>
struct Arbitrary<quorum::multipaxos::Heartbeat> {
  static Gen<quorum::multipaxos::Heartbeat> arbitrary() {
    using M = quorum::multipaxos::Heartbeat;
    return gen::build<M>(gen::set(&M::ballot), gen::set(&M::commit));
  }
};

template <>
struct Arbitrary<quorum::multipaxos::HeartbeatReply> {
  static Gen<quorum::multipaxos::HeartbeatReply> arbitrary() {
    using M = quorum::multipaxos::HeartbeatReply;
    return gen::build<M>(gen::set(&M::ballot), gen::set(&M::commit));
  }
};

template <>
struct Arbitrary<quorum::multipaxos::CatchUpRequest> {
  static Gen<quorum::multipaxos::CatchUpRequest> arbitrary() {
    using M = quorum::multipaxos::CatchUpRequest;
    return gen::build<M>(gen::set(&M::from_slot));
  }
};

template <>
struct Arbitrary<quorum::multipaxos::CatchUpReply> {
  static Gen<quorum::multipaxos::CatchUpReply> arbitrary() {
    using M = quorum::multipaxos::CatchUpReply;
    return gen::build<M>(
        gen::set(&M::chosen,
                 quorum::test::small_vector(gen::arbitrary<quorum::multipaxos::SlotValue>())),
        gen::set(&M::commit));
  }
};

template <>
struct Arbitrary<quorum::multipaxos::SnapshotRequest> {
  static Gen<quorum::multipaxos::SnapshotRequest> arbitrary() {
    using M = quorum::multipaxos::SnapshotRequest;
    return gen::build<M>(gen::set(&M::index), gen::set(&M::offset));
  }
};

template <>
struct Arbitrary<quorum::multipaxos::SnapshotChunk> {
  // A chunk always lies inside its snapshot (the decoder checks it).
  static Gen<quorum::multipaxos::SnapshotChunk> arbitrary() {
    using M = quorum::multipaxos::SnapshotChunk;
    return gen::apply(
        [](quorum::Slot index, std::uint32_t offset, std::string data, std::uint32_t after, quorum::Slot commit) {
          return M{index, offset, std::uint64_t{offset} + data.size() + after, std::move(data), commit};
        },
        gen::arbitrary<quorum::Slot>(), gen::inRange<std::uint32_t>(0, 1U << 30), gen::arbitrary<std::string>(),
        gen::inRange<std::uint32_t>(0, 1U << 30), gen::arbitrary<quorum::Slot>());
  }
};

template <>
struct Arbitrary<quorum::Forward> {
  static Gen<quorum::Forward> arbitrary() { return gen::build<quorum::Forward>(gen::set(&quorum::Forward::commands)); }
};

// ---- the closed set ------------------------------------------------------------

template <>
struct Arbitrary<quorum::Payload> {
  // Built from the variant itself: a message type added to Payload without an
  // Arbitrary specialisation above fails to compile here.
  static Gen<quorum::Payload> arbitrary() {
    return every(std::make_index_sequence<std::variant_size_v<quorum::Payload>>{});
  }

 private:
  template <std::size_t... I>
  static Gen<quorum::Payload> every(std::index_sequence<I...>) {
    return gen::oneOf(as_payload<std::variant_alternative_t<I, quorum::Payload>>()...);
  }
  template <typename M>
  static Gen<quorum::Payload> as_payload() {
    return gen::map(gen::arbitrary<M>(), [](M m) { return quorum::Payload{std::move(m)}; });
  }
};

template <>
struct Arbitrary<quorum::Envelope> {
  static Gen<quorum::Envelope> arbitrary() {
    return gen::build<quorum::Envelope>(gen::set(&quorum::Envelope::from),
                                        gen::set(&quorum::Envelope::to),
                                        gen::set(&quorum::Envelope::payload));
  }
};

}  // namespace rc
