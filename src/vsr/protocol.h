// VSR as a host sees it: the types and record codec the generic log host
// (host/replica_host.h) needs to run it.
#pragma once

#include <string>
#include <string_view>

#include "core/log/protocol.h"
#include "core/record_codec.h"
#include "vsr/config.h"
#include "vsr/replica.h"

namespace quorum::vsr {

struct Protocol {
  using Replica = vsr::Replica;
  using Config = vsr::Config;
  using Bugs = vsr::Bugs;
  using DurableState = vsr::DurableState;
  using Write = vsr::Write;
  using Record = vsr::Record;
  using CompactRecord = vsr::CompactRecord;
  static constexpr RecordType kRecordType = RecordType::kVsr;
  static constexpr const char* kEpoch = "view";  // what promised() numbers
  static constexpr const char* kName = "vsr";
  static std::string epoch(const Replica& r) { return r.promised().to_string(); }
  static Result<Record, std::string> decode(std::string_view bytes) { return decode_vsr_record(bytes); }
  static std::string describe(const DurableState& s) {
    return "view " + s.view.to_string() + " (normal in " + s.log_view.to_string() + "), " +
           std::to_string(s.log.size()) + " ops, commit " + s.commit.to_string();
  }
};
static_assert(log::Protocol<Protocol>);

}  // namespace quorum::vsr
