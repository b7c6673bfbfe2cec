// A simulated network between numbered nodes: each message is delivered after
// a random delay (which reorders them), may be dropped or duplicated, and is
// lost if its link is cut when it arrives. Links are cut per direction, so
// one-way partitions are as easy as symmetric ones. Messages from a node to
// itself never leave the machine and are never lost.
#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <vector>

#include "core/message.h"
#include "core/prng.h"
#include "sim/faults.h"

namespace quorum::sim {

struct NetworkOptions {
  std::uint32_t drop_ppm = 0;       // probability per message, parts per million
  std::uint32_t duplicate_ppm = 0;
  std::uint32_t delay_min_ticks = 1;
  std::uint32_t delay_max_ticks = 1;
};

class Network {
 public:
  // Bound on messages in flight; beyond it new messages are dropped (counted).
  static constexpr std::size_t kMaxInFlight = 1 << 20;

  Network(std::uint32_t nodes, NetworkOptions options, std::uint64_t seed);

  void send(std::uint64_t now, Envelope e);
  // The next message due at or before `now`, if any (ties in send order).
  std::optional<Envelope> next_due(std::uint64_t now);

  void set_options(const NetworkOptions& o) { options_ = o; }
  const NetworkOptions& options() const { return options_; }
  void cut(NodeId from, NodeId to);
  void heal_all();
  bool is_cut(NodeId from, NodeId to) const;
  bool any_cut() const;
  std::size_t in_flight() const { return queue_.size(); }
  const FaultCounts& faults() const { return faults_; }
  FaultCounts& faults() { return faults_; }

 private:
  struct InFlight {
    std::uint64_t due;
    std::uint64_t seq;  // global send order; breaks ties deterministically
    Envelope envelope;
  };
  struct Later {
    bool operator()(const InFlight& a, const InFlight& b) const {
      return a.due != b.due ? a.due > b.due : a.seq > b.seq;
    }
  };
  std::size_t link(NodeId from, NodeId to) const;
  void enqueue(std::uint64_t due, Envelope e);

  std::uint32_t nodes_;
  NetworkOptions options_;
  Prng prng_;
  std::priority_queue<InFlight, std::vector<InFlight>, Later> queue_;
  std::uint64_t next_seq_ = 0;
  std::vector<bool> cut_;                  // nodes x nodes, by direction
  std::vector<std::uint64_t> last_seq_;    // per link: newest send order delivered
  FaultCounts faults_;
};

}  // namespace quorum::sim
