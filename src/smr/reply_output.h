// A KV reply as the linearizability checker's output (lincheck/history.h):
// the one translation the simulator's workload and the real-process history
// client both use, so the two judge replies alike.
#pragma once

#include <optional>
#include <string>

#include "lincheck/history.h"
#include "smr/reply.h"

namespace quorum::smr {

// INCR errors that are the command's result (the state machine ran it and
// refused the value), as opposed to refusals before it ran (BUSY, NOQUORUM):
// the checker's KV model expects them.
bool is_incr_result_error(const std::string& text);

// The reply to an operation of `kind` as the checker's output, or nullopt if
// it cannot be one (the wrong type of reply is a server bug).
std::optional<lincheck::Output> reply_output(lincheck::OpKind kind, const Reply& r);

}  // namespace quorum::smr
