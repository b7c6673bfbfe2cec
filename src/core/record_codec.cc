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

std::string encode_record(const vsr::Record& r) {
  wire::VsrRecord w;
  std::visit(Overloaded{
                 [&](const vsr::ViewRecord& v) {
                   auto* m = w.mutable_view();
                   m->set_view(v.view.value());
                   m->set_log_view(v.log_view.value());
                 },
                 [&](const vsr::LogRecord& l) {
                   auto* m = w.mutable_log();
                   m->set_view(l.view.value());
                   m->set_base(l.base.value());
                   for (const auto& e : l.entries) to_wire(e, m->add_entries());
                   m->set_commit(l.commit.value());
                 },
                 [&](const vsr::CompactRecord& c) {
                   auto* m = w.mutable_compact();
                   m->set_view(c.view.value());
                   m->set_log_view(c.log_view.value());
                   m->set_compacted(c.compacted.value());
                   m->set_commit(c.commit.value());
                   for (const auto& e : c.entries) to_wire(e, m->add_entries());
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

Result<vsr::Record, std::string> decode_vsr_record(std::string_view bytes) {
  wire::VsrRecord w;
  if (!parse(w, bytes)) return std::string("vsr record does not parse");
  try {
    switch (w.record_case()) {
      case wire::VsrRecord::kView: {
        vsr::ViewRecord v{vsr::View{w.view().view()}, vsr::View{w.view().log_view()}};
        if (v.log_view > v.view) return std::string("vsr view record has its log view above its view");
        return vsr::Record{v};
      }
      case wire::VsrRecord::kLog: {
        const auto& m = w.log();
        vsr::LogRecord l{vsr::View{m.view()}, Slot{m.base()}, slot_values_from_wire(m.entries()), Slot{m.commit()}};
        // Replay replaces the log above `base` with these: a gap would be a hole.
        consecutive_from(l.base, l.entries, "log record entries");
        return vsr::Record{std::move(l)};
      }
      case wire::VsrRecord::kCompact: {
        const auto& m = w.compact();
        vsr::CompactRecord c{vsr::View{m.view()}, vsr::View{m.log_view()}, Slot{m.compacted()}, Slot{m.commit()},
                             slot_values_from_wire(m.entries())};
        if (!c.entries.empty()) {
          // A split compaction's later records start further up, so the run
          // need not begin right after `compacted`, only above it.
          if (c.entries.front().slot <= c.compacted) return std::string("vsr compact record keeps a compacted op");
          consecutive_from(Slot{c.entries.front().slot.value() - 1}, c.entries, "compact record entries");
        }
        return vsr::Record{std::move(c)};
      }
      case wire::VsrRecord::RECORD_NOT_SET:
        break;
    }
    return std::string("vsr record of unknown type");
  } catch (const Invalid& inv) {
    return "vsr record: " + inv.why;
  }
}

}  // namespace quorum
