// Bytes of the durable records (core/records.h), as stored in write-ahead log
// payloads. The body is protobuf (core/proto/wire.proto), so fields can be
// added without making older logs unreadable; the log's own frame carries
// the length and checksum. Decoding validates like the peer codec: a record
// that decodes is one a core can replay.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/records.h"
#include "core/result.h"

namespace quorum {

// The write-ahead log's record type byte for each protocol's records, so a
// log opened by the wrong protocol is refused rather than misread.
enum class RecordType : std::uint8_t {
  kPaxosHardState = 1,
  kMultiPaxos = 2,
  kVsr = 3,
};

std::string encode_record(const paxos::HardState& s);
std::string encode_record(const multipaxos::Record& r);
std::string encode_record(const vsr::Record& r);

Result<paxos::HardState, std::string> decode_paxos_record(std::string_view bytes);
Result<multipaxos::Record, std::string> decode_multipaxos_record(std::string_view bytes);
Result<vsr::Record, std::string> decode_vsr_record(std::string_view bytes);

}  // namespace quorum
