// Golden-trace tests for the log protocols, in the style of etcd-io/raft's
// data-driven testdata/*.txt: a script of harness commands, each followed by
// the exact output the harness printed, checked in under
// tests/log/testdata/<protocol>/. A file reads like a lab notebook:
//
//   # Comments and blank lines are kept as they are.
//   elect 1
//   ----
//   1 follower -> candidate (ballot 1.1)
//   send 1->2 Prepare(1.1, from=1)
//   ...
//
// A command is one line; "----" follows it; its expected output runs to the
// next blank line ("ok" when it printed nothing). The commands (ids are
// replica numbers; a message selection is any of type=T from=N to=N slot=N):
//
//   cluster [replicas=N] [seed=N] [snapshot-every=N] [window=N] [batch=N]
//           [entries-per-message=N] [chunk-bytes=N] [bug=NAME]
//                               first command, if any: a fresh cluster (a
//                               bug= run expects violations and prints them)
//   show all|none|KIND...       which events print from now on; kinds:
//                               client send network disk commit role snapshot
//                               life (violations always print)
//   elect ID                    the protocol's election of ID
//   submit ID LABEL...          client commands on ID
//   end-turn ID                 propose what queued and announce the commit
//   tick ID [N] | tick-all [N]
//   sync ID [N] | sync-all      make pending records durable
//   deliver [SEL] [order=newest] | deliver-first [SEL]
//   drop [SEL] | duplicate [SEL]
//   cut FROM TO | isolate ID | heal
//   crash ID | restart ID
//   settle | heartbeat ID | commit ID LABEL
//   status                      one line per replica
//   in-flight [SEL]             the messages in flight
//   committed ID                ID's committed stream
//
// QUORUM_UPDATE_GOLDEN=1 rewrites the expected outputs with what the harness
// printed; review the diff before committing it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace quorum::logtest::golden {

struct Mismatch {
  int line = 0;  // of the command, 1-based
  std::string command;
  std::string expected;
  std::string actual;
};

struct Result {
  std::vector<Mismatch> mismatches;
  std::string rewritten;  // the script with every actual output in place
  int commands = 0;
};

// Runs a script for `protocol` ("multipaxos" or "vsr").
Result run(std::string_view protocol, const std::string& script);

}  // namespace quorum::logtest::golden
