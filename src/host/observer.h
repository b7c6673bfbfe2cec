// What the host tells its driver. The simulator, the runtime, the model
// checker and the test harnesses each implement it: the simulator checks
// agreement on every applied slot, the runtime answers its clients and
// writes logs, the model checker collects what changed.
#pragma once

#include <cstddef>
#include <string>

#include "core/ids.h"
#include "core/log/entry.h"
#include "core/message.h"
#include "smr/client_table.h"
#include "smr/command.h"
#include "smr/reply.h"

namespace quorum::host {

class Observer {
 public:
  virtual ~Observer() = default;

  // A message the core released (anything that depended on a write is
  // released only once the write is durable): the driver's network carries it.
  virtual void send(Envelope message) = 0;
  // The replica cannot go on: its storage failed, or a peer's snapshot does
  // not restore. Must not return (the runtime exits; the simulator reports a
  // violation by throwing).
  virtual void fatal(const std::string& why) = 0;

  // A committed request ran here, at `slot`, with this reply. Every replica
  // runs every request; a driver answers the ones its own clients wait for.
  virtual void applied(Slot /*slot*/, const smr::ClientRequest& /*request*/, const smr::Reply& /*reply*/) {}
  // Every command of `slot` ran; `state` is the state machine after it.
  virtual void slot_applied(Slot /*slot*/, const log::Batch& /*batch*/, const smr::Executor& /*state*/) {}
  // A committed command that is not a well-formed request. Every replica
  // skips the same bytes, so the replicas stay equal; the leader admits only
  // well-formed requests, so this is a peer's bug (the simulator fails on it).
  virtual void undecodable(Slot /*slot*/, const Value& /*command*/, const std::string& /*why*/) {}
  // A command a deposed leader had queued and never proposed.
  virtual void dropped(Value /*command*/) {}
  virtual void became_leader() {}
  virtual void stepped_down() {}
  // The leader this replica knows of changed (itself included).
  virtual void leader_changed(NodeId /*leader*/) {}
  virtual void snapshot_taken(Slot /*index*/, std::size_t /*bytes*/) {}
  virtual void snapshot_installed(Slot /*index*/, std::size_t /*bytes*/) {}
};

}  // namespace quorum::host
