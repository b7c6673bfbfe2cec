// Durable storage of a node's HardState. The simulator keeps it in memory
// (surviving simulated crashes); the server keeps it in the write-ahead log.
#pragma once

#include <optional>

#include "paxos/state.h"

namespace quorum::paxos {

class Storage {
 public:
  virtual ~Storage() = default;
  // Makes `state` durable; returns once it would survive a crash.
  virtual void save(const HardState& state) = 0;
  virtual std::optional<HardState> load() const = 0;
};

class MemoryStorage final : public Storage {
 public:
  void save(const HardState& state) override { state_ = state; }
  std::optional<HardState> load() const override { return state_; }

 private:
  std::optional<HardState> state_;
};

}  // namespace quorum::paxos
