// Commands a replica answers by itself, without the log: connection
// management and introspection that clients and tools send (redis-cli sends
// COMMAND DOCS on start, redis-benchmark CONFIG GET), and the classification
// of everything else.
//
//   PING [msg]  ECHO msg  QUIT  SELECT 0  INFO [section]
//   COMMAND ...          empty array (no command table to offer)
//   CONFIG GET ...       empty array (nothing is configurable at runtime)
//   CLIENT ...           OK (names and the like are not kept)
//
// State-machine commands (GET, SET, DEL, EXISTS, INCR, MGET) go through the
// log, reads included, so both are linearizable. Anything else is refused
// here with Redis's "unknown command" text, so garbage never enters the log.
#pragma once

#include <optional>
#include <string>

#include "core/limits.h"
#include "smr/command.h"
#include "smr/reply.h"

namespace quorum::server {

// The bytes of all arguments of one replicated command. One value at its
// limit plus room for the key: keeps every log slot, and so every peer
// message, bounded (log::Limits::max_message_bytes).
inline constexpr std::size_t kMaxCommandBytes = limits::kMaxValueBytes + (64 << 10);

enum class CommandKind {
  kLocal,         // answer with local_reply()
  kReplicated,    // run through the log
  kQuit,          // answer OK, then close
};

CommandKind classify(const smr::Command& argv);

// The reply to a kLocal command; `info` is the text INFO returns.
smr::Reply local_reply(const smr::Command& argv, const std::string& info);

// An error for a replicated command the log must not take (over the codec
// bounds, or the wrong shape for the state machine), or nullopt.
std::optional<smr::Reply> reject_before_log(const smr::Command& argv);

}  // namespace quorum::server
