// Memoised effects of an action on one node. The same node state and action
// always give the same result (the cores are deterministic), and the same
// pair recurs across many global states, so a model computes it once.
// Action must provide key(): its fields packed into 64 bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>

#include "core/state_digest.h"

namespace quorum::check {

template <class Action, class Effect>
class EffectMemo {
 public:
  // Bound on remembered effects; beyond it the memo starts over.
  static constexpr std::size_t kMaxEntries = 1 << 22;

  // The effect of `a` on the node whose fingerprint is `node`, computed by
  // `compute()` the first time. The reference is valid until the next call.
  template <class Compute>
  const Effect& get(const Fingerprint& node, const Action& a, Compute&& compute) {
    Key key{node, a};
    if (auto it = entries_.find(key); it != entries_.end()) return it->second;
    if (entries_.size() >= kMaxEntries) entries_.clear();
    Effect e = std::forward<Compute>(compute)();
    return entries_.emplace(key, std::move(e)).first->second;
  }

 private:
  struct Key {
    Fingerprint node;
    Action action;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
      return k.node.lo ^ (k.action.key() * 0x9e3779b97f4a7c15ULL);
    }
  };
  std::unordered_map<Key, Effect, KeyHash> entries_;
};

}  // namespace quorum::check
