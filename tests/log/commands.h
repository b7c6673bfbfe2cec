// Client commands for scripted log tests. A script names a command by a short
// label ("x"); the harness submits a real encoded smr::ClientRequest for it,
// so the host's state machine executes every committed command and two
// replicas can be compared by their state, not by a list the test rebuilt.
//
// label "x"  <->  ClientRequest{client_id(x), 1, {"SET", key_of(x), "x"}}
//
// Each label is its own client, sending its first request: the same label is
// always the same bytes (a retry), and a label committed twice is executed
// once (the client table's at-most-once rule). The client id and key are
// derived from the label alone, so the bytes do not depend on which test ran
// first (golden traces print byte counts).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/log/entry.h"
#include "smr/client_table.h"

namespace quorum::logtest {

using Labels = std::vector<std::string>;

std::uint64_t client_id(std::string_view label);
// The key the command for `label` writes.
std::string key_of(std::string_view label);
// The encoded request for `label`.
Value command(std::string_view label);
// The label of a command made by command(); "?<n>B" for any other bytes.
std::string label(const Value& command);

log::Batch batch(const Labels& labels);
inline log::Batch noop() { return log::Batch{}; }
Labels labels(const log::Batch& b);
// "[x,y]", or "no-op" for the empty batch. Long labels are shortened.
std::string show(const log::Batch& b);
// "1:[x] 2:no-op"
std::string show(const std::vector<log::SlotValue>& entries);

// True if `state`'s store holds the value the command for `label` wrote.
bool holds(const smr::Executor& state, std::string_view label);

}  // namespace quorum::logtest

namespace quorum::log {
// gtest prints log entries by their labels.
inline void PrintTo(const Batch& b, std::ostream* os) { *os << logtest::show(b); }
inline void PrintTo(const SlotValue& v, std::ostream* os) { *os << v.slot.to_string() << ":" << logtest::show(v.value); }
}  // namespace quorum::log
