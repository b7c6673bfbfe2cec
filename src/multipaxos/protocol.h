// Multi-Paxos as a host sees it: the types and record codec the generic log
// host (host/replica_host.h) needs to run it.
#pragma once

#include <string>
#include <string_view>

#include "core/log/protocol.h"
#include "core/record_codec.h"
#include "multipaxos/config.h"
#include "multipaxos/replica.h"

namespace quorum::multipaxos {

struct Protocol {
  using Replica = multipaxos::Replica;
  using Config = multipaxos::Config;
  using Bugs = multipaxos::Bugs;
  using DurableState = multipaxos::DurableState;
  using Write = multipaxos::Write;
  using Record = multipaxos::Record;
  using CompactRecord = multipaxos::CompactRecord;
  static constexpr RecordType kRecordType = RecordType::kMultiPaxos;
  static constexpr const char* kEpoch = "ballot";  // what promised() numbers
  static constexpr const char* kName = "multipaxos";
  static std::string epoch(const Replica& r) { return r.promised().to_string(); }
  static Result<Record, std::string> decode(std::string_view bytes) { return decode_multipaxos_record(bytes); }
  // One line about what recovery found, for logs and traces.
  static std::string describe(const DurableState& s) {
    return "promised " + s.promised.to_string() + ", " + std::to_string(s.accepted.size()) + " votes";
  }
};
static_assert(log::Protocol<Protocol>);

}  // namespace quorum::multipaxos
