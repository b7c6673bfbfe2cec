// Commands and client requests as they travel through the replicated log.
//
// A Command is the argument vector of one client command exactly as RESP
// carries it ({"SET", "k", "v"}); the command name is case-insensitive. A
// ClientRequest adds the session identity used for at-most-once execution
// (VR Revisited section 4 "client table", Raft thesis section 6.3): the client
// id and a per-client request number. A Batch is the payload of one log slot.
//
// Encoding (all integers are canonical LEB128 varints, see smr/bytes.h):
//
//   request  = u8 version(=1) request_body
//   batch    = u8 version(=1) varint count request_body*count
//   request_body = varint client_id, varint request_no, varint argc,
//                  argc * (varint length, bytes)
//
// Bounds, checked by the decoders and asserted by the encoders (quorum never
// writes what it would refuse to read): 1 <= argc <= kMaxCommandArgs, every
// argument at most limits::kMaxValueBytes, at most kMaxBatchRequests requests
// per batch (an empty batch is valid: a no-op slot). Every length is checked
// against the remaining input before anything is allocated, trailing bytes are
// an error, so decoding garbage returns an error and never crashes. Because
// varints are canonical, any input that decodes re-encodes to itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace quorum::smr {

inline constexpr std::uint8_t kCommandCodecVersion = 1;
inline constexpr std::size_t kMaxCommandArgs = 1024;
inline constexpr std::size_t kMaxBatchRequests = 1024;

using Command = std::vector<std::string>;

// client_id 0 means "no session": the request is always applied and never
// recorded in the client table (read-only or internal commands).
inline constexpr std::uint64_t kNoSession = 0;

struct ClientRequest {
  std::uint64_t client_id = kNoSession;
  std::uint64_t request_no = 0;  // 1, 2, 3, ... per client
  Command command;

  friend bool operator==(const ClientRequest&, const ClientRequest&) = default;
};

using Batch = std::vector<ClientRequest>;

// Why `command` violates the codec bounds (empty, too many arguments, an
// argument too long), or nullopt if it is encodable. The server checks this
// before proposing, and answers the client with the error instead.
std::optional<std::string> command_limit_error(const Command& command);

// The command name upper-cased ("set" -> "SET"); empty for an empty command.
std::string command_name(const Command& command);

// True for commands that never change the state: GET, MGET, EXISTS.
bool is_read_only(const Command& command);

// Human rendering for logs and test failures: 7#3 SET "k" "v".
std::string describe(const ClientRequest& request);

std::string encode_request(const ClientRequest& request);
Result<ClientRequest, std::string> decode_request(std::string_view bytes);

std::string encode_batch(const Batch& batch);
Result<Batch, std::string> decode_batch(std::string_view bytes);

// Exact size of a request inside an encoded batch (without the batch header),
// so a batcher can cap a batch by bytes as well as by count.
std::size_t encoded_size(const ClientRequest& request);
// Size of the batch header for `count` requests.
std::size_t batch_header_size(std::size_t count);

}  // namespace quorum::smr
