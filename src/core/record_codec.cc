#include "core/record_codec.h"

#include "core/message.h"
#include "core/wire_convert.h"

namespace quorum {
namespace {

using namespace wire_convert;  // NOLINT: the conversions are this file's vocabulary

template <typename Proto>
bool parse(Proto& p, std::string_view bytes) {
  return p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

}  // namespace

std::string encode_record(const paxos::HardState& s) {
  wire::PaxosHardStateRecord w;
  to_wire(s.promised, w.mutable_promised());
  if (s.accepted) {
    to_wire(s.accepted->ballot, w.mutable_accepted()->mutable_ballot());
    w.mutable_accepted()->set_value(s.accepted->value);
  }
  w.set_proposer_round(s.proposer_round);
  return w.SerializeAsString();
}

std::string encode_record(const multipaxos::Record& r) {
  wire::MpRecord w;
  std::visit(Overloaded{
                 [&](const multipaxos::PromiseRecord& p) { to_wire(p.ballot, w.mutable_promise()->mutable_ballot()); },
                 [&](const multipaxos::AcceptRecord& a) {
                   auto* m = w.mutable_accept();
                   to_wire(a.ballot, m->mutable_ballot());
                   for (const auto& e : a.entries) to_wire(e, m->add_entries());
                 },
                 [&](const multipaxos::CompactRecord& c) {
                   auto* m = w.mutable_compact();
                   to_wire(c.promised, m->mutable_promised());
                   m->set_compacted(c.compacted.value());
                   for (const auto& v : c.votes) to_wire(v, m->add_votes());
                 },
             },
             r);
  return w.SerializeAsString();
}

Result<paxos::HardState, std::string> decode_paxos_record(std::string_view bytes) {
  wire::PaxosHardStateRecord w;
  if (!parse(w, bytes)) return std::string("paxos record does not parse");
  try {
    paxos::HardState s;
    s.promised = from_wire(w.promised());
    if (w.has_accepted()) {
      s.accepted = Proposal{from_wire(w.accepted().ballot()), value_from_wire(w.accepted().value())};
      if (s.accepted->ballot > s.promised) return std::string("paxos record accepts above its promise");
    }
    s.proposer_round = w.proposer_round();
    return s;
  } catch (const Invalid& inv) {
    return "paxos record: " + inv.why;
  }
}

Result<multipaxos::Record, std::string> decode_multipaxos_record(std::string_view bytes) {
  wire::MpRecord w;
  if (!parse(w, bytes)) return std::string("multipaxos record does not parse");
  try {
    switch (w.record_case()) {
      case wire::MpRecord::kPromise:
        return multipaxos::Record{multipaxos::PromiseRecord{from_wire(w.promise().ballot())}};
      case wire::MpRecord::kAccept:
        return multipaxos::Record{
            multipaxos::AcceptRecord{from_wire(w.accept().ballot()), slot_values_from_wire(w.accept().entries())}};
      case wire::MpRecord::kCompact: {
        multipaxos::CompactRecord c{from_wire(w.compact().promised()), Slot{w.compact().compacted()},
                                    slot_votes_from_wire(w.compact().votes())};
        for (const auto& v : c.votes) {
          if (v.slot <= c.compacted) return std::string("multipaxos compact record keeps a compacted slot");
          if (v.ballot > c.promised) return std::string("multipaxos compact record has a vote above its promise");
        }
        return multipaxos::Record{std::move(c)};
      }
      case wire::MpRecord::RECORD_NOT_SET:
        break;
    }
    return std::string("multipaxos record of unknown type");
  } catch (const Invalid& inv) {
    return "multipaxos record: " + inv.why;
  }
}

}  // namespace quorum
