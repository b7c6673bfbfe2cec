// Linearizability checker for key-value histories (history.h).
//
// A history is linearizable if every operation can be given a single instant
// inside its [invoke, return] interval such that, executed one at a time in
// that order, a sequential KV store produces exactly the recorded outputs
// (Herlihy & Wing 1990). Unknown operations may be placed anywhere after their
// invocation or left out; failed ones are left out.
//
// How it is checked:
//   1. P-compositionality (Horn & Kroening 2015): operations on different keys
//      commute, so every key is checked on its own, with its own budget.
//   2. Per key, the depth-first search of Wing & Gong (1993) with the
//      memoisation of Lowe (2017) (also used by Porcupine): the calls and
//      returns sit in one doubly-linked list sorted by time; the search
//      linearizes a call that precedes the first pending return, lifts it out
//      of the list and recurses, and backtracks when a return is reached. A
//      configuration (set of linearized ops, model state) already explored is
//      never explored again. States are interned per key, so comparing two
//      states is comparing two integers; the set of known ops is stored as
//      "all ops before the first pending one" plus a short window of bits,
//      hashed incrementally (Zobrist).
//   3. Refinements, each sound (a brute-force reference checker agrees with
//      this one on tens of thousands of random histories, tests/lincheck):
//      - pure reads: a known op that never changes the state when it fits
//        (GET, EXISTS, DEL -> 0, INCR -> error) is linearized greedily without
//        branching: if any linearization exists, one starts with it;
//      - starvation: a pending known op whose needed state (GET v needs v,
//        INCR -> n needs n - 1, ...) is not current and cannot be produced by
//        any op left that was invoked before it returns makes the
//        configuration a dead end at once, instead of at its return;
//      - opaque values: SET values that no GET returns and that are not
//        integers behave alike and share one state;
//      - unknown ops (return = +infinity) live on a list of their own and are
//        tried only after every op with a deadline; the search succeeds once
//        every known op is linearized. One that would not change the state is
//        never tried; of several with the same effect only the earliest unused
//        one is; right after one, only ops that behave differently because of
//        it are tried; and a configuration is skipped when one with the same
//        known ops and state but a SUBSET of the unknown ops was explored
//        (unknown ops are optional, so fewer used is never worse).
//
// Time ties: a call at the same time as a return is ordered BEFORE it, so two
// operations whose intervals touch (one returns at t, the other is invoked at
// t) are concurrent and may be linearized either way. Only a strictly earlier
// return orders two operations.
//
// The KV model (per key, state = optional<string>), Redis semantics:
//   GET     returns the value, or nil.
//   SET v   state := v.
//   DEL     returns 1 if the key existed (state := nil), else 0.
//   EXISTS  returns 1 if the key exists, else 0.
//   INCR    nil -> 1; a canonical decimal int64 n (no '+', no leading zeros,
//           no spaces, not "-0") -> n + 1; anything else, or n == INT64_MAX,
//           is an error and leaves the value unchanged. The output must be
//           the new integer, or an error (any message) exactly when the model
//           errs.
//
// Budgets: the search is exponential in the worst case (the problem is
// NP-complete, Gibbons & Korach 1997). CheckOptions bounds it per key by
// explored configurations and/or wall time; a key that runs out is reported
// Unknown, never Linearizable. Prefer the state budget in the simulator: it is
// deterministic, a time budget is not. Where it costs: proving a violation
// means exhausting every alternative before it, and each unknown op multiplies
// the alternatives; a stale read late in a single-key history of thousands of
// ops with many timeouts can run out of budget (Unknown) where the same
// history without timeouts is refuted in a second. Keys and histories of the
// simulator's size (hundreds of ops) are far from that.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lincheck/history.h"

namespace quorum::lincheck {

struct CheckOptions {
  // Configurations (linearized set, state) one key may explore; 0 = no limit.
  // A configuration costs ~50 bytes plus 1 bit per unknown op of the key.
  std::uint64_t max_states_per_key = 2'000'000;
  // Wall time one key may take; zero = no limit. Not deterministic.
  std::chrono::nanoseconds time_budget_per_key{0};
  // Stop at the first key (in key order) that is not linearizable.
  bool stop_at_first_violation = true;
  // How many of the last ops of the linearizable prefix explanation() prints.
  std::size_t explanation_prefix_ops = 12;
};

enum class Verdict : std::uint8_t { Linearizable, NotLinearizable, Unknown };
std::string_view to_string(Verdict v);

struct KeyResult {
  std::string key;
  Verdict verdict = Verdict::Linearizable;
  std::size_t ops = 0;  // ops on this key that took part in the search
  std::uint64_t states_explored = 0;
  bool budget_exhausted = false;  // verdict Unknown: ran out of states or time
};

// Why a key is not linearizable: the deepest point the search reached.
struct Violation {
  std::string key;
  // The longest linearizable prefix found, in linearization order.
  std::vector<OpId> prefix;
  std::vector<std::string> prefix_rendered;
  // The key's value after that prefix (nullopt: the key does not exist).
  std::optional<std::string> state_after_prefix;
  // The ops that could have been linearized next and were not, each with the
  // reason ("would return ..." or "fits, but nothing linearizes after it").
  std::vector<OpId> blocked;
  std::vector<std::string> blocked_rendered;
  // The first pending return: this op had to take effect by `deadline`, and
  // only ops invoked no later than that could go before it.
  std::optional<OpId> deadline_op;
  Time deadline = kInfinity;
};

struct CheckResult {
  Verdict verdict = Verdict::Linearizable;
  std::size_t ops_checked = 0;  // ops not failed (unknown reads included)
  std::size_t keys = 0;         // distinct keys checked
  std::uint64_t states_explored = 0;
  std::vector<KeyResult> per_key;         // in key order (bytewise)
  std::vector<std::string> unknown_keys;  // keys whose budget ran out
  std::optional<Violation> violation;     // the first failing key, if any
  std::chrono::nanoseconds elapsed{0};
  std::size_t explanation_prefix_ops = 12;

  bool linearizable() const { return verdict == Verdict::Linearizable; }
  // A few human-readable lines: the verdict, the counts and, for a failing
  // key, the end of the longest linearizable prefix and the blocked ops.
  std::string explanation() const;
};

CheckResult check(const History& history, const CheckOptions& options = {});

}  // namespace quorum::lincheck
