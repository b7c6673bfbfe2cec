// Breadth-first explicit-state exploration of a model built from the real
// protocol cores (check/paxos_model.h, ...).
//
// A Model supplies:
//   using State; using Action;             Action: small, trivially copyable
//   State initial() const;
//   void actions(const State&, std::vector<Action>&) const;
//   State apply(const State&, Action) const;   may throw InvariantFailure
//   void check(const State&) const;            throws InvariantFailure
//   Fingerprint fingerprint(const State&) const;
//   std::string describe(const State& before, Action) const;
//   std::string summary(const State&) const;   the nodes, for a trace's end
//
// Visited states are kept as 128-bit fingerprints (core/state_digest.h) with
// the parent and action that first reached them; full states live only in
// the current and next breadth-first level (or on the depth-first stack).
// Breadth-first order, the default, makes the first counterexample a
// shortest one; it is rebuilt by replaying the actions from the initial
// state, so the trace shows the real cores' messages.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/assert.h"
#include "core/prng.h"
#include "core/state_digest.h"

namespace quorum::check {

enum class SearchOrder {
  kBreadthFirst,  // counterexamples are shortest; memory grows with a level
  // Memory grows only with the depth, and a violation deep in a large space
  // is reached without first exploring everything shallower; the
  // counterexample is a real trace but not necessarily the shortest.
  kDepthFirst,
  // Random walks from the initial state (seeded), for spaces too large to
  // exhaust: each step takes a random action that changes the state. Never
  // complete; a counterexample is a real trace, not a shortest one.
  kRandomWalk,
};

struct ExploreLimits {
  std::uint64_t max_states = 20'000'000;  // stop (incomplete) beyond this many
  double max_seconds = 0;                 // 0: no time limit
  // Breadth-first: explore every execution of at most this many actions and
  // stop (0: no bound). A bounded but complete statement about short runs
  // when the whole space is too large.
  std::uint32_t max_depth = 0;
  SearchOrder order = SearchOrder::kBreadthFirst;
  std::uint64_t seed = 1;        // kRandomWalk
  std::uint32_t walk_depth = 200;  // kRandomWalk: steps per walk at most
  std::uint64_t max_walks = 0;     // kRandomWalk: stop after this many walks (0: no bound)
};

struct Counterexample {
  std::string property;
  std::string message;
  std::vector<std::string> trace;  // one line per action, then the final state
  std::size_t found_steps = 0;     // length as found, before shorten() (not breadth-first)
};

struct ExploreReport {
  std::uint64_t states = 0;       // distinct states reached
  std::uint64_t transitions = 0;  // actions applied
  std::uint32_t depth = 0;        // deepest level (breadth-first) or path (depth-first)
  std::uint64_t walks = 0;        // random walks taken
  bool complete = false;          // every reachable state was explored
  bool depth_exhausted = false;   // every state within max_depth actions was explored
  double seconds = 0;
  std::optional<Counterexample> violation;  // the first (shortest) one found
};

// Replays `path` from the initial state: the number of steps after which an
// invariant failed (0 if none did, or if a step was not enabled).
template <class Model>
std::size_t steps_to_violation(const Model& model, const std::vector<typename Model::Action>& path) {
  typename Model::State s = model.initial();
  std::vector<typename Model::Action> enabled;
  for (std::size_t i = 0; i < path.size(); ++i) {
    enabled.clear();
    model.actions(s, enabled);
    if (std::find(enabled.begin(), enabled.end(), path[i]) == enabled.end()) return 0;
    try {
      s = model.apply(s, path[i]);
      model.check(s);
    } catch (const InvariantFailure&) {
      return i + 1;
    }
  }
  return 0;
}

// Shortens a counterexample found by a depth-first or random search: drops
// one step at a time while the rest still ends in a violation, until no
// single step can go (delta debugging, one step at a time). Actions must
// name what they act on in a way that survives other steps being removed.
template <class Model>
std::vector<typename Model::Action> shorten(const Model& model, std::vector<typename Model::Action> path) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (std::size_t i = 0; i < path.size();) {
      auto candidate = path;
      candidate.erase(candidate.begin() + static_cast<std::ptrdiff_t>(i));
      if (std::size_t n = steps_to_violation(model, candidate); n > 0) {
        candidate.resize(n);
        path = std::move(candidate);
        changed = true;
      } else {
        ++i;
      }
    }
  }
  return path;
}

template <class Model>
ExploreReport explore(const Model& model, const ExploreLimits& limits) {
  using State = typename Model::State;
  using Action = typename Model::Action;
  struct Parent {
    std::uint32_t parent;  // index into parents; the root is its own parent
    Action action;
  };

  ScopedInvariantHandler handler(&throwing_invariant_handler);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };

  ExploreReport report;
  std::unordered_map<Fingerprint, std::uint32_t, FingerprintHash> seen;
  std::vector<Parent> parents;
  std::vector<std::pair<State, std::uint32_t>> level, next;

  auto counterexample = [&](std::uint32_t at, std::optional<Action> last,
                            const InvariantFailure& f) {
    std::vector<Action> path;
    if (last) path.push_back(*last);
    for (std::uint32_t i = at; i != 0; i = parents[i].parent) path.push_back(parents[i].action);
    std::reverse(path.begin(), path.end());
    Counterexample c{f.property, f.message, {}};
    if (limits.order != SearchOrder::kBreadthFirst) {
      c.found_steps = path.size();
      path = shorten(model, std::move(path));
    }
    State s = model.initial();
    for (const Action& a : path) {
      c.trace.push_back(std::to_string(c.trace.size() + 1) + ". " + model.describe(s, a));
      try {
        s = model.apply(s, a);
        model.check(s);
      } catch (const InvariantFailure& g) {
        c.property = g.property;  // shortening may end in another violation
        c.message = g.message;
        break;
      }
    }
    c.trace.push_back(model.summary(s));
    report.violation = std::move(c);
  };

  // One transition: applies `a` to `from` (state number `index`) and checks
  // the result. nullopt when an invariant failed (the counterexample is then
  // recorded and the search stops); otherwise the successor, its number, and
  // whether it is new (new states are recorded with their parent).
  bool stopped = false;
  struct Step {
    State state;
    Fingerprint fingerprint;
    std::uint32_t index;
    bool fresh;
  };
  auto step = [&](const State& from, std::uint32_t index, const Action& a) -> std::optional<Step> {
    ++report.transitions;
    std::optional<State> succ;
    try {
      succ = model.apply(from, a);
      model.check(*succ);
    } catch (const InvariantFailure& f) {
      counterexample(index, a, f);
      stopped = true;
      return std::nullopt;
    }
    Fingerprint fp = model.fingerprint(*succ);
    auto [it, fresh] = seen.emplace(fp, static_cast<std::uint32_t>(parents.size()));
    // A state reached before keeps its first parent chain: a path to the
    // same state, so a counterexample through it replays all the same.
    if (fresh) parents.push_back(Parent{index, a});
    return Step{std::move(*succ), fp, it->second, fresh};
  };
  auto over_limit = [&] {
    return seen.size() > limits.max_states ||
           (limits.max_seconds > 0 && elapsed() > limits.max_seconds);
  };
  auto finish = [&](bool complete) {
    report.states = seen.size();
    report.complete = complete;
    report.seconds = elapsed();
    return report;
  };

  State root = model.initial();
  seen.emplace(model.fingerprint(root), 0);
  parents.push_back(Parent{0, Action{}});
  try {
    model.check(root);
  } catch (const InvariantFailure& f) {
    counterexample(0, std::nullopt, f);
    return finish(false);
  }
  std::vector<Action> actions;

  if (limits.order == SearchOrder::kRandomWalk) {
    Prng prng(limits.seed);
    for (std::uint64_t walk = 0;
         !stopped && !(walk % 64 == 0 && over_limit()) && (limits.max_walks == 0 || walk < limits.max_walks);
         ++walk) {
      ++report.walks;
      State s = model.initial();
      Fingerprint at = model.fingerprint(s);
      std::uint32_t index = 0;
      for (std::uint32_t depth = 1; depth <= limits.walk_depth && !stopped; ++depth) {
        actions.clear();
        model.actions(s, actions);
        // Shuffled, so the first action that changes the state is a random one.
        for (std::size_t i = actions.size(); i > 1; --i) {
          std::swap(actions[i - 1], actions[prng.range(0, i - 1)]);
        }
        std::optional<Step> moved;
        for (const Action& a : actions) {
          moved = step(s, index, a);
          if (!moved || moved->fingerprint != at) break;
          moved.reset();  // a self-loop: try another action
        }
        if (!moved) break;
        s = std::move(moved->state);
        at = moved->fingerprint;
        index = moved->index;
        report.depth = std::max(report.depth, depth);
      }
    }
    return finish(false);
  }

  if (limits.order == SearchOrder::kDepthFirst) {
    struct Frame {
      State state;
      std::uint32_t index;
      std::vector<Action> actions;
      std::size_t next = 0;
    };
    std::vector<Frame> stack;
    model.actions(root, actions);
    stack.push_back(Frame{std::move(root), 0, actions});
    while (!stack.empty() && !stopped) {
      Frame& top = stack.back();
      if (top.next == top.actions.size()) {
        stack.pop_back();
        continue;
      }
      std::optional<Step> succ = step(top.state, top.index, top.actions[top.next++]);
      if (!succ || !succ->fresh) continue;
      report.depth = std::max(report.depth, static_cast<std::uint32_t>(stack.size()));
      actions.clear();
      model.actions(succ->state, actions);
      stack.push_back(Frame{std::move(succ->state), succ->index, actions});
      if ((seen.size() & 1023) == 0 && over_limit()) stopped = true;
    }
    return finish(!stopped);
  }

  level.emplace_back(std::move(root), 0);
  while (!level.empty() && !stopped) {
    for (auto& [state, index] : level) {
      actions.clear();
      model.actions(state, actions);
      for (const Action& a : actions) {
        std::optional<Step> succ = step(state, index, a);
        if (!succ) break;
        if (succ->fresh) next.emplace_back(std::move(succ->state), succ->index);
      }
      if (stopped || over_limit()) {
        stopped = true;
        break;
      }
    }
    if (stopped) break;
    level.swap(next);
    next.clear();
    if (level.empty()) break;
    ++report.depth;
    if (limits.max_depth != 0 && report.depth >= limits.max_depth) {
      // The states at max_depth were reached and checked; none is expanded.
      report.depth_exhausted = true;
      return finish(false);
    }
  }
  return finish(!stopped && level.empty());
}

}  // namespace quorum::check
