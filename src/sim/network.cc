#include "sim/network.h"

#include <algorithm>

#include "core/assert.h"

namespace quorum::sim {

Network::Network(std::uint32_t nodes, NetworkOptions options, std::uint64_t seed)
    : nodes_(nodes),
      options_(options),
      prng_(seed),
      cut_(static_cast<std::size_t>(nodes) * nodes, false),
      last_seq_(static_cast<std::size_t>(nodes) * nodes, 0) {}

std::size_t Network::link(NodeId from, NodeId to) const {
  QUORUM_ASSERT(from.value() >= 1 && from.value() <= nodes_ && to.value() >= 1 &&
                    to.value() <= nodes_,
                "node id outside the simulated network");
  return static_cast<std::size_t>(from.value() - 1) * nodes_ + (to.value() - 1);
}

void Network::enqueue(std::uint64_t due, Envelope e) {
  if (queue_.size() >= kMaxInFlight) {
    ++faults_.drops;
    return;
  }
  queue_.push(InFlight{due, ++next_seq_, std::move(e)});
}

void Network::send(std::uint64_t now, Envelope e) {
  if (e.from == e.to) return enqueue(now, std::move(e));
  if (prng_.chance(options_.drop_ppm)) {
    ++faults_.drops;
    return;
  }
  auto delay = [&] { return prng_.range(options_.delay_min_ticks, options_.delay_max_ticks); };
  if (prng_.chance(options_.duplicate_ppm)) {
    ++faults_.duplicates;
    enqueue(now + delay(), e);
  }
  enqueue(now + delay(), std::move(e));
}

std::optional<Envelope> Network::next_due(std::uint64_t now) {
  while (!queue_.empty() && queue_.top().due <= now) {
    InFlight m = queue_.top();
    queue_.pop();
    if (m.envelope.from == m.envelope.to) return std::move(m.envelope);
    std::size_t l = link(m.envelope.from, m.envelope.to);
    if (cut_[l]) {
      ++faults_.partition_drops;
      continue;
    }
    if (m.seq < last_seq_[l]) ++faults_.reorders;
    last_seq_[l] = std::max(last_seq_[l], m.seq);
    return std::move(m.envelope);
  }
  return std::nullopt;
}

void Network::cut(NodeId from, NodeId to) { cut_[link(from, to)] = true; }
void Network::heal_all() { std::fill(cut_.begin(), cut_.end(), false); }
bool Network::is_cut(NodeId from, NodeId to) const { return cut_[link(from, to)]; }
bool Network::any_cut() const { return std::find(cut_.begin(), cut_.end(), true) != cut_.end(); }

}  // namespace quorum::sim
