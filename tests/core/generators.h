// rapidcheck generators for peer messages of every protocol (and VSR's durable
// records). They produce only envelopes the codec must accept (node ids 1..64,
// values far below the limit, VSR runs of ops without gaps), so any
// round-trip failure is the codec's fault, not the generator's.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/message.h"
#include "core/node_set.h"
#include "core/records.h"

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
struct Arbitrary<quorum::log::Batch> {
  // Empty batches (the no-op) come from the length 0 case.
  static Gen<quorum::log::Batch> arbitrary() {
    using M = quorum::log::Batch;
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
struct Arbitrary<quorum::log::SlotValue> {
  static Gen<quorum::log::SlotValue> arbitrary() {
    using M = quorum::log::SlotValue;
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
                 quorum::test::small_vector(gen::arbitrary<quorum::log::SlotValue>())),
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
                 quorum::test::small_vector(gen::arbitrary<quorum::log::SlotValue>())),
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
                 quorum::test::small_vector(gen::arbitrary<quorum::log::SlotValue>())),
        gen::set(&M::commit));
  }
};

template <>
struct Arbitrary<quorum::log::SnapshotRequest> {
  static Gen<quorum::log::SnapshotRequest> arbitrary() {
    using M = quorum::log::SnapshotRequest;
    return gen::build<M>(gen::set(&M::index), gen::set(&M::offset));
  }
};

template <>
struct Arbitrary<quorum::log::SnapshotChunk> {
  // A chunk always lies inside its snapshot (the decoder checks it).
  static Gen<quorum::log::SnapshotChunk> arbitrary() {
    using M = quorum::log::SnapshotChunk;
    return gen::apply(
        [](quorum::Slot index, std::uint32_t offset, std::string data, std::uint32_t after, quorum::Slot commit) {
          return M{index, offset, std::uint64_t{offset} + data.size() + after, std::move(data), commit};
        },
        gen::arbitrary<quorum::Slot>(), gen::inRange<std::uint32_t>(0, 1U << 30), gen::arbitrary<std::string>(),
        gen::inRange<std::uint32_t>(0, 1U << 30), gen::arbitrary<quorum::Slot>());
  }
};

}  // namespace rc

// ---- Viewstamped Replication -----------------------------------------------------
// The decoder checks that every run of ops is consecutive and agrees with the
// op and commit numbers beside it, so these build only such runs. Boundaries
// get weight: a run may end exactly at 2^64-1, and commit/op/log_view often
// equal the bound they are checked against.

namespace quorum::test {

// A number at least `lo`: mostly `lo` or just above it, sometimes anywhere.
inline rc::Gen<std::uint64_t> gen_at_least(std::uint64_t lo) {
  using namespace rc;
  return gen::map(gen::weightedOneOf<std::uint64_t>({{3, gen::inRange<std::uint64_t>(0, 3)},
                                                     {1, gen::arbitrary<std::uint64_t>()}}),
                  [lo](std::uint64_t d) { return lo + std::min(d, UINT64_MAX - lo); });
}

// A number at most `hi`: mostly `hi` or just below it, sometimes anywhere.
inline rc::Gen<std::uint64_t> gen_at_most(std::uint64_t hi) {
  using namespace rc;
  return gen::map(gen::weightedOneOf<std::uint64_t>({{3, gen::inRange<std::uint64_t>(0, 3)},
                                                     {1, gen::arbitrary<std::uint64_t>()}}),
                  [hi](std::uint64_t d) { return hi - std::min(d, hi); });
}

// An op with room for `n` more above it: small, anywhere, or the highest
// (so the run ends at 2^64-1, where a careless "op + 1" wraps).
inline rc::Gen<Slot> gen_base(std::size_t n) {
  using namespace rc;
  const std::uint64_t top = UINT64_MAX - n;
  return gen::map(gen::weightedOneOf<std::uint64_t>({{4, gen::inRange<std::uint64_t>(0, 100)},
                                                     {2, gen::arbitrary<std::uint64_t>()},
                                                     {1, gen::just(top)}}),
                  [top](std::uint64_t b) { return Slot{std::min(b, top)}; });
}

// Ops base+1 .. base+n (the caller leaves room: see gen_base).
inline rc::Gen<std::vector<log::SlotValue>> gen_run(Slot base, std::size_t n) {
  using namespace rc;
  return gen::map(gen::container<std::vector<log::Batch>>(n, gen::arbitrary<log::Batch>()),
                  [base](std::vector<log::Batch> batches) {
                    std::vector<log::SlotValue> run;
                    for (std::size_t i = 0; i < batches.size(); ++i) {
                      run.push_back({Slot{base.value() + 1 + i}, std::move(batches[i])});
                    }
                    return run;
                  });
}

}  // namespace quorum::test

namespace rc {

template <>
struct Arbitrary<quorum::vsr::View> {
  static Gen<quorum::vsr::View> arbitrary() {
    return gen::map(gen::arbitrary<std::uint64_t>(), [](std::uint64_t v) { return quorum::vsr::View{v}; });
  }
};

template <>
struct Arbitrary<quorum::vsr::Prepare> {
  // At least one op, the first at least 1.
  static Gen<quorum::vsr::Prepare> arbitrary() {
    return gen::exec([] {
      using namespace quorum;
      const auto n = *gen::inRange<std::size_t>(1, 5);
      const Slot base = *test::gen_base(n);
      return vsr::Prepare{*gen::arbitrary<vsr::View>(), *test::gen_run(base, n), *gen::arbitrary<Slot>()};
    });
  }
};

template <>
struct Arbitrary<quorum::vsr::PrepareOk> {
  static Gen<quorum::vsr::PrepareOk> arbitrary() {
    using M = quorum::vsr::PrepareOk;
    return gen::build<M>(gen::set(&M::view), gen::set(&M::op));
  }
};

template <>
struct Arbitrary<quorum::vsr::Commit> {
  static Gen<quorum::vsr::Commit> arbitrary() {
    using M = quorum::vsr::Commit;
    return gen::build<M>(gen::set(&M::view), gen::set(&M::commit));
  }
};

template <>
struct Arbitrary<quorum::vsr::StartViewChange> {
  static Gen<quorum::vsr::StartViewChange> arbitrary() {
    using M = quorum::vsr::StartViewChange;
    return gen::build<M>(gen::set(&M::view));
  }
};

template <>
struct Arbitrary<quorum::vsr::DoViewChange> {
  // log_view <= view; the suffix is exactly ops commit+1 .. op.
  static Gen<quorum::vsr::DoViewChange> arbitrary() {
    return gen::exec([] {
      using namespace quorum;
      const vsr::View view = *gen::arbitrary<vsr::View>();
      const auto n = *gen::inRange<std::size_t>(0, 5);
      const Slot commit = *test::gen_base(n);
      return vsr::DoViewChange{view, vsr::View{*test::gen_at_most(view.value())}, Slot{commit.value() + n}, commit,
                               *test::gen_run(commit, n)};
    });
  }
};

template <>
struct Arbitrary<quorum::vsr::StartView> {
  // Entries exactly ops base+1 .. op; commit <= op.
  static Gen<quorum::vsr::StartView> arbitrary() {
    return gen::exec([] {
      using namespace quorum;
      const auto n = *gen::inRange<std::size_t>(0, 5);
      const Slot base = *test::gen_base(n);
      const Slot op{base.value() + n};
      return vsr::StartView{*gen::arbitrary<vsr::View>(), base, *test::gen_run(base, n), op,
                            Slot{*test::gen_at_most(op.value())}};
    });
  }
};

template <>
struct Arbitrary<quorum::vsr::GetState> {
  static Gen<quorum::vsr::GetState> arbitrary() {
    using M = quorum::vsr::GetState;
    return gen::build<M>(gen::set(&M::view), gen::set(&M::op));
  }
};

template <>
struct Arbitrary<quorum::vsr::NewState> {
  // Entries consecutive from base+1 (maybe none); commit <= op; the last
  // entry at most commit when committed_only, else at most op.
  static Gen<quorum::vsr::NewState> arbitrary() {
    return gen::exec([] {
      using namespace quorum;
      vsr::NewState m;
      m.view = *gen::arbitrary<vsr::View>();
      const auto n = *gen::inRange<std::size_t>(0, 5);
      m.base = *test::gen_base(n);
      m.entries = *test::gen_run(m.base, n);
      m.committed_only = *gen::arbitrary<bool>();
      // With no entries, op and commit are free of base (an asker may be
      // ahead of the sender).
      const std::uint64_t last = n == 0 ? 0 : m.base.value() + n;
      if (m.committed_only) {
        m.commit = Slot{*test::gen_at_least(last)};
        m.op = Slot{*test::gen_at_least(m.commit.value())};
      } else {
        m.op = Slot{*test::gen_at_least(last)};
        m.commit = Slot{*test::gen_at_most(m.op.value())};
      }
      return m;
    });
  }
};

template <>
struct Arbitrary<quorum::vsr::ViewRecord> {
  static Gen<quorum::vsr::ViewRecord> arbitrary() {
    return gen::exec([] {
      using namespace quorum;
      const vsr::View view = *gen::arbitrary<vsr::View>();
      return vsr::ViewRecord{view, vsr::View{*test::gen_at_most(view.value())}};
    });
  }
};

template <>
struct Arbitrary<quorum::vsr::LogRecord> {
  static Gen<quorum::vsr::LogRecord> arbitrary() {
    return gen::exec([] {
      using namespace quorum;
      const auto n = *gen::inRange<std::size_t>(0, 5);
      const Slot base = *test::gen_base(n);
      return vsr::LogRecord{*gen::arbitrary<vsr::View>(), base, *test::gen_run(base, n), *gen::arbitrary<Slot>()};
    });
  }
};

template <>
struct Arbitrary<quorum::vsr::CompactRecord> {
  // Entries consecutive and above `compacted`, not necessarily right above
  // it (a later record of a split compaction).
  static Gen<quorum::vsr::CompactRecord> arbitrary() {
    return gen::exec([] {
      using namespace quorum;
      const auto n = *gen::inRange<std::size_t>(0, 5);
      const auto gap = *gen::inRange<std::size_t>(0, 3);
      const Slot compacted = *test::gen_base(n + gap);
      const vsr::View view = *gen::arbitrary<vsr::View>();
      return vsr::CompactRecord{view, vsr::View{*test::gen_at_most(view.value())}, compacted, *gen::arbitrary<Slot>(),
                                *test::gen_run(Slot{compacted.value() + gap}, n)};
    });
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

namespace quorum::test {

// Any VSR durable record (a std::variant, so a function rather than an
// Arbitrary specialisation of a standard type).
inline rc::Gen<vsr::Record> gen_vsr_record() {
  using namespace rc;
  return gen::oneOf(gen::cast<vsr::Record>(gen::arbitrary<vsr::ViewRecord>()),
                    gen::cast<vsr::Record>(gen::arbitrary<vsr::LogRecord>()),
                    gen::cast<vsr::Record>(gen::arbitrary<vsr::CompactRecord>()));
}

}  // namespace quorum::test
