#include "lincheck/checker.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace quorum::lincheck {

namespace {

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// Model states, interned per key: 0 is "the key does not exist".
// ---------------------------------------------------------------------------
using StateId = std::uint32_t;
constexpr StateId kNilState = 0;
// Every SET value that no GET returns and that is not an integer: such values
// behave alike (INCR errs, EXISTS is 1, no GET matches), so they share one id
// and configurations that differ only in which of them is current merge.
constexpr StateId kOpaqueState = 1;
constexpr StateId kNoState = std::numeric_limits<StateId>::max();

// Redis' string2ll: an optional '-', then digits without leading zeros ("0"
// alone is fine, "-0" is not), and the result must fit in int64.
std::optional<std::int64_t> parse_redis_integer(std::string_view s) {
  std::size_t i = 0;
  bool negative = false;
  if (!s.empty() && s[0] == '-') {
    negative = true;
    i = 1;
  }
  const std::size_t digits = s.size() - i;
  if (digits == 0 || digits > 19) return std::nullopt;
  if (s[i] == '0') {
    if (s.size() == 1) return 0;
    return std::nullopt;
  }
  std::uint64_t acc = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    acc = acc * 10 + static_cast<std::uint64_t>(s[i] - '0');  // < 10^19 < 2^64
  }
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!negative) {
    if (acc > kMax) return std::nullopt;
    return static_cast<std::int64_t>(acc);
  }
  if (acc > kMax + 1) return std::nullopt;
  if (acc == kMax + 1) return std::numeric_limits<std::int64_t>::min();
  return -static_cast<std::int64_t>(acc);
}

class StateTable {
 public:
  StateTable() {
    infos_.push_back(Info{});  // kNilState
    infos_.push_back(Info{});  // kOpaqueState
  }

  StateId intern(const std::string& value) {
    const auto [it, inserted] = ids_.try_emplace(value, static_cast<StateId>(infos_.size()));
    if (inserted) {
      Info info;
      info.value = value;
      const auto n = parse_redis_integer(value);
      info.is_integer = n.has_value();
      info.integer = n.value_or(0);
      infos_.push_back(std::move(info));
    }
    return it->second;
  }

  // INCR applied in state `s`: false on error (state unchanged), else the new
  // integer and state.
  bool incr(StateId s, std::int64_t& result, StateId& next) {
    if (s == kNilState) {
      result = 1;
    } else {
      const Info& info = infos_[s];
      if (!info.is_integer || info.integer == std::numeric_limits<std::int64_t>::max()) return false;
      result = info.integer + 1;
      if (info.incr_next != kNoState) {
        next = info.incr_next;
        return true;
      }
    }
    next = intern(std::to_string(result));
    if (s != kNilState) infos_[s].incr_next = next;  // `intern` may have reallocated
    return true;
  }

  bool is_integer(StateId s) const { return s != kNilState && infos_[s].is_integer; }
  std::size_t size() const { return infos_.size(); }

  // The value of state `s` (kOpaqueState has none of its own).
  std::optional<std::string> value(StateId s) const {
    if (s == kNilState) return std::nullopt;
    return infos_[s].value;
  }

 private:
  struct Info {
    std::string value;
    bool is_integer = false;
    std::int64_t integer = 0;
    StateId incr_next = kNoState;
  };
  std::vector<Info> infos_;
  std::unordered_map<std::string, StateId> ids_;
};

// ---------------------------------------------------------------------------
// One key's operations, in the form the search wants them.
// ---------------------------------------------------------------------------
struct KeyOp {
  OpId id;
  OpKind kind = OpKind::Get;
  bool known = false;  // returned ok: has a deadline and an output to match
  Time call = 0;
  Time ret = kInfinity;
  StateId arg = kNilState;           // Set: the interned input
  StateId expect_state = kNilState;  // Get: the state the output names
  std::int64_t expect_int = 0;       // Del / Exists / Incr
  bool expect_error = false;         // Incr
  // Wherever the model accepts this op, it leaves the state unchanged: a
  // known GET, EXISTS, DEL -> 0 or INCR -> error.
  bool pure_read = false;
  // A known op accepted only in one of these states (GET v: v; DEL -> 0 and
  // EXISTS -> 0: nil; INCR -> n: n - 1, or nil or "0" for n == 1).
  std::uint8_t n_needs = 0;
  StateId needs[2] = {kNilState, kNilState};
  // The state this op may leave behind (SET: its value; DEL -> 1 and unknown
  // DEL: nil; INCR -> n: n), and whether it may leave any integer (unknown INCR).
  StateId produces = kNoState;
  bool produces_any_integer = false;
};

class Model {
 public:
  explicit Model(StateTable& states) : states_(states) {}
  const StateTable& states() const { return states_; }

  // Applies `op` in state `s`: the next state, and whether the op's recorded
  // output (if any) is what the model returns.
  bool step(const KeyOp& op, StateId s, StateId& next) const {
    switch (op.kind) {
      case OpKind::Get:
        next = s;
        return !op.known || op.expect_state == s;
      case OpKind::Set:
        next = op.arg;
        return true;
      case OpKind::Del:
        next = kNilState;
        return !op.known || op.expect_int == (s != kNilState ? 1 : 0);
      case OpKind::Exists:
        next = s;
        return !op.known || op.expect_int == (s != kNilState ? 1 : 0);
      case OpKind::Incr: {
        std::int64_t result = 0;
        if (states_.incr(s, result, next)) return !op.known || (!op.expect_error && op.expect_int == result);
        next = s;
        return !op.known || op.expect_error;
      }
    }
    return false;
  }

  // What the model returns for `op` in state `s`, whose concrete value is
  // `value`, rendered like an output.
  std::string describe(const KeyOp& op, StateId s, const std::optional<std::string>& value) const {
    switch (op.kind) {
      case OpKind::Get:
        return value ? quote(*value) : "nil";
      case OpKind::Set:
        return "OK";
      case OpKind::Del:
      case OpKind::Exists:
        return s == kNilState ? "0" : "1";
      case OpKind::Incr: {
        std::int64_t result = 0;
        StateId next = kNilState;
        if (states_.incr(s, result, next)) return std::to_string(result);
        return "an error (" + quote(value.value_or(""), 24) + " is not an integer or would overflow)";
      }
    }
    return "?";
  }

 private:
  StateTable& states_;
};

// ---------------------------------------------------------------------------
// The memoisation cache: configurations (linearized set, state) already
// explored, none of which led to a linearization (or still on the stack).
//
// The known ops' part of the linearized set is stored compactly. Known ops are
// numbered by call time (their rank); if m is the first rank not linearized,
// every rank below m is linearized, and a linearized rank above m was invoked
// before m returned. So that part is "all below m" plus a short window of
// words from m / 64 up to the highest linearized rank.
//
// Unknown ops are optional, so a configuration that used FEWER of them can do
// everything one that used more can: for each (known part, state) the cache
// keeps the sets of unknown ops used, and a configuration is skipped if a
// subset of its unknown ops was recorded. Without this, every unknown op that
// may or may not have happened early on would double the configurations for
// the rest of the history.
// ---------------------------------------------------------------------------
class ConfigCache {
 public:
  explicit ConfigCache(std::uint32_t usage_words) : usage_words_(usage_words), slots_(1024, 0), mask_(1023) {}

  // Records the configuration; false if it is dominated by a recorded one.
  bool insert(std::uint64_t hash, StateId state, std::uint32_t first_word, const std::uint64_t* words,
              std::uint32_t n_words, const std::uint64_t* used) {
    std::size_t slot = static_cast<std::size_t>(hash) & mask_;
    while (const std::uint32_t idx = slots_[slot]) {
      Meta& m = meta_[idx - 1];
      if (m.hash == hash && m.state == state && m.first_word == first_word && m.n_words == n_words &&
          std::equal(words, words + n_words, arena_.data() + m.offset))
        return add_usage(m, used);
      slot = (slot + 1) & mask_;
    }
    if (meta_.size() >= std::numeric_limits<std::uint32_t>::max() - 1)
      throw std::length_error("lincheck: configuration cache full");
    meta_.push_back(Meta{hash, arena_.size(), state, first_word, n_words, kNoNode});
    arena_.insert(arena_.end(), words, words + n_words);
    slots_[slot] = static_cast<std::uint32_t>(meta_.size());
    add_usage(meta_.back(), used);
    if (meta_.size() * 2 > slots_.size()) grow();
    return true;
  }

  // Configurations recorded (each a state explored).
  std::uint64_t size() const { return explored_; }

 private:
  static constexpr std::uint32_t kNoNode = std::numeric_limits<std::uint32_t>::max();
  struct Meta {
    std::uint64_t hash;
    std::size_t offset;  // into arena_
    StateId state;
    std::uint32_t first_word;
    std::uint32_t n_words;
    std::uint32_t usage_head;  // list of usage sets in usage_next_ / usage_arena_
  };

  bool add_usage(Meta& m, const std::uint64_t* used) {
    const auto subset = [this](std::uint32_t node, const std::uint64_t* of) {
      const std::uint64_t* w = usage_arena_.data() + std::size_t{node} * usage_words_;
      for (std::uint32_t i = 0; i < usage_words_; ++i)
        if (w[i] & ~of[i]) return false;
      return true;
    };
    for (std::uint32_t n = m.usage_head; n != kNoNode; n = usage_next_[n])
      if (subset(n, used)) return false;
    // Recorded supersets of `used` are dominated by it from now on: unlink them.
    std::uint32_t* link = &m.usage_head;
    while (*link != kNoNode) {
      const std::uint32_t n = *link;
      bool superset = true;
      const std::uint64_t* w = usage_arena_.data() + std::size_t{n} * usage_words_;
      for (std::uint32_t i = 0; i < usage_words_ && superset; ++i) superset = (used[i] & ~w[i]) == 0;
      if (superset) {
        *link = usage_next_[n];
      } else {
        link = &usage_next_[n];
      }
    }
    const auto node = static_cast<std::uint32_t>(usage_next_.size());
    if (node == kNoNode) throw std::length_error("lincheck: configuration cache full");
    usage_next_.push_back(m.usage_head);
    usage_arena_.insert(usage_arena_.end(), used, used + usage_words_);
    m.usage_head = node;
    ++explored_;
    return true;
  }

  void grow() {
    slots_.assign(slots_.size() * 2, 0);
    mask_ = slots_.size() - 1;
    for (std::size_t e = 0; e < meta_.size(); ++e) {
      std::size_t slot = static_cast<std::size_t>(meta_[e].hash) & mask_;
      while (slots_[slot] != 0) slot = (slot + 1) & mask_;
      slots_[slot] = static_cast<std::uint32_t>(e + 1);
    }
  }

  std::uint32_t usage_words_;
  std::vector<Meta> meta_;
  std::vector<std::uint64_t> arena_;
  std::vector<std::uint32_t> slots_;
  std::size_t mask_;
  std::vector<std::uint32_t> usage_next_;
  std::vector<std::uint64_t> usage_arena_;
  std::uint64_t explored_ = 0;
};

std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t state_hash(StateId s) { return mix64(0x5bd1e995ULL ^ (std::uint64_t{s} << 20)); }

// ---------------------------------------------------------------------------
// The search for one key.
// ---------------------------------------------------------------------------
struct KeyOutcome {
  Verdict verdict = Verdict::Linearizable;
  bool budget_exhausted = false;
  std::uint64_t states = 0;
  // Deepest dead end (NotLinearizable only), as indices into the key's ops.
  std::vector<std::uint32_t> prefix;
  StateId state_after_prefix = kNilState;
  std::vector<std::uint32_t> candidates;
  std::uint32_t deadline_op = 0;
  bool has_deadline = false;
  std::optional<std::uint32_t> starved_op;  // a candidate no op left could satisfy
};

class KeySearch {
 public:
  // Reorders `ops`: known ops by call time (index = rank), then unknown ops.
  KeySearch(std::vector<KeyOp>& ops, StateTable& states, const CheckOptions& options)
      : ops_(ops), model_(states), options_(options) {}

  KeyOutcome run();
  const Model& model() const { return model_; }

 private:
  // Entries 0 and 1 are the sentinels of the two circular lists.
  static constexpr std::uint32_t kMainHead = 0;     // calls and returns of known ops
  static constexpr std::uint32_t kUnknownHead = 1;  // calls of unknown ops
  struct Entry {
    Time time = 0;
    std::uint32_t op = 0;
    bool is_return = false;
  };
  // Where the search stands among one configuration's candidates: first the
  // known ops invoked before the first pending return, in call order
  // (candidates_[begin, end), at `pos`), then the unknown ops invoked no later
  // than that return (list entry `unknown_entry`). (Call order beat earliest
  // deadline first on generated histories: 3x fewer configurations.)
  struct Cursor {
    std::uint32_t begin = 0, end = 0, pos = 0;
    bool in_unknown = false;
    std::uint32_t unknown_entry = 0;
    std::uint32_t deadline_entry = kMainHead;  // first pending return
    Time bound = kInfinity;                    // its time
    // Dead on arrival: candidate `starved_op` needs a state that no op left
    // can produce before it returns.
    bool dead = false;
    std::uint32_t starved_op = 0;
    // Reached by linearizing an unknown op in `parent_state`: a next op that
    // behaves the same in `parent_state` is not tried (see run()).
    bool after_unknown = false;
    StateId parent_state = kNilState;
  };
  struct Frame {
    std::uint32_t op;
    StateId prev_state;
    std::uint32_t prev_hi_end;
    bool forced;
    Cursor cursor;  // the parent configuration's, pointing at `op`
  };

  void build_lists();
  void remove(std::uint32_t e) {
    next_[prev_[e]] = next_[e];
    prev_[next_[e]] = prev_[e];
  }
  void restore(std::uint32_t e) {
    next_[prev_[e]] = e;
    prev_[next_[e]] = e;
  }
  void lift(std::uint32_t op) {
    remove(call_entry_[op]);
    if (ops_[op].known) remove(ret_entry_[op]);
  }
  void unlift(std::uint32_t op) {
    if (ops_[op].known) restore(ret_entry_[op]);
    restore(call_entry_[op]);
  }
  void flip(std::uint32_t op) {
    const std::uint32_t bit = op < known_ ? op : unknown_first_word_ * 64 + (op - known_);
    bits_[bit >> 6] ^= std::uint64_t{1} << (bit & 63);
    if (op < known_) known_hash_ ^= zobrist_[op];
  }
  Cursor open_config(StateId state);
  bool linearized(std::uint32_t op) const {
    const std::uint32_t bit = op < known_ ? op : unknown_first_word_ * 64 + (op - known_);
    return (bits_[bit >> 6] >> (bit & 63)) & 1;
  }
  std::uint32_t first_unlinearized_rank() const {
    const std::uint32_t head = next_[kMainHead];
    return head == kMainHead ? known_ : entries_[head].op;
  }
  bool can_produce(StateId x, Time deadline) const;
  bool starved(const KeyOp& op, StateId state) const;
  void index_producers();
  bool remember(StateId state);
  void snapshot(StateId state, const Cursor& cur, KeyOutcome& out);

  std::vector<KeyOp>& ops_;
  Model model_;
  const CheckOptions& options_;
  std::uint32_t known_ = 0;      // ops [0, known_) are known, by rank
  std::uint32_t known_words_ = 0;  // bits_ words holding known ops

  std::vector<Entry> entries_;
  std::vector<std::uint32_t> next_, prev_;
  std::vector<std::uint32_t> call_entry_, ret_entry_;
  std::vector<std::uint64_t> zobrist_;
  std::vector<std::uint64_t> bits_;  // known ops' words, then unknown ops' words
  std::uint32_t unknown_first_word_ = 0;
  std::uint64_t known_hash_ = 0;  // Zobrist hash of the linearized known ops
  std::uint32_t hi_end_ = 0;  // 1 + highest linearized rank (0: none)
  std::vector<Frame> stack_;
  std::vector<std::uint32_t> candidates_;  // a stack of per-configuration lists
  std::vector<std::uint64_t> key_;         // scratch for the cache key
  std::unique_ptr<ConfigCache> cache_;
  // Producers of each state (by StateId at setup): known ops by rank, unknown
  // ops by call time; and the unknown INCRs, which may produce any integer.
  std::vector<std::vector<std::uint32_t>> known_producers_, unknown_producers_;
  std::vector<std::uint32_t> unknown_incrs_;
  // For an unknown op: the previous unknown op (by call time) with the same
  // effect (kind and argument), or kNoOp.
  static constexpr std::uint32_t kNoOp = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> same_effect_prev_;

  // Longest prefix bookkeeping: stack_[0, low_water_) equals out.prefix[0, low_water_).
  bool have_snapshot_ = false;
  std::size_t low_water_ = 0;
};

void KeySearch::build_lists() {
  // Known ops by (call time, original position) first, then unknown ops.
  std::stable_sort(ops_.begin(), ops_.end(), [](const KeyOp& a, const KeyOp& b) {
    if (a.known != b.known) return a.known;
    return a.call < b.call;
  });
  const auto n = static_cast<std::uint32_t>(ops_.size());
  known_ = 0;
  while (known_ < n && ops_[known_].known) ++known_;

  std::vector<Entry> main_entries, unknown_entries;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (ops_[i].known) {
      main_entries.push_back({ops_[i].call, i, false});
      main_entries.push_back({ops_[i].ret, i, true});
    } else {
      unknown_entries.push_back({ops_[i].call, i, false});
    }
  }
  // Calls sort before returns at the same time: touching intervals are
  // concurrent. Calls keep rank order.
  const auto by_time = [](const Entry& a, const Entry& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.is_return != b.is_return) return !a.is_return;
    return a.op < b.op;
  };
  std::sort(main_entries.begin(), main_entries.end(), by_time);

  entries_.assign(2, Entry{});
  call_entry_.assign(n, 0);
  ret_entry_.assign(n, 0);
  next_.assign(2 + main_entries.size() + unknown_entries.size(), 0);
  prev_.assign(next_.size(), 0);
  const auto link = [&](std::uint32_t head, const std::vector<Entry>& list) {
    std::uint32_t last = head;
    for (const Entry& e : list) {
      const auto idx = static_cast<std::uint32_t>(entries_.size());
      entries_.push_back(e);
      (e.is_return ? ret_entry_ : call_entry_)[e.op] = idx;
      next_[last] = idx;
      prev_[idx] = last;
      last = idx;
    }
    next_[last] = head;
    prev_[head] = last;
  };
  link(kMainHead, main_entries);
  link(kUnknownHead, unknown_entries);  // already in call order

  zobrist_.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) zobrist_[i] = mix64(0xa0761d6478bd642fULL + i);
  // Unknown op i >= known_ lives at bit (i - known_) of the words after the known ones.
  known_words_ = (known_ + 63) / 64;
  unknown_first_word_ = known_words_;
  const std::uint32_t unknown_words = (n - known_ + 63) / 64;
  bits_.assign(known_words_ + unknown_words + 1, 0);  // +1: data() + unknown_first_word_ stays valid
  cache_ = std::make_unique<ConfigCache>(unknown_words);
}

KeySearch::Cursor KeySearch::open_config(StateId state) {
  Cursor c;
  c.begin = static_cast<std::uint32_t>(candidates_.size());
  std::uint32_t e = next_[kMainHead];
  for (; e != kMainHead && !entries_[e].is_return; e = next_[e]) {
    const std::uint32_t op = entries_[e].op;
    candidates_.push_back(op);
    if (!c.dead && starved(ops_[op], state)) {
      c.dead = true;
      c.starved_op = op;
    }
  }
  c.end = static_cast<std::uint32_t>(candidates_.size());
  c.pos = c.begin;
  c.deadline_entry = e;
  c.bound = e == kMainHead ? kInfinity : entries_[e].time;
  return c;
}

void KeySearch::index_producers() {
  const std::size_t n_states = model_.states().size();
  known_producers_.assign(n_states, {});
  unknown_producers_.assign(n_states, {});
  for (std::uint32_t i = 0; i < ops_.size(); ++i) {  // ranks, then unknown ops by call time
    const KeyOp& op = ops_[i];
    if (op.produces != kNoState) (op.known ? known_producers_ : unknown_producers_)[op.produces].push_back(i);
    if (op.produces_any_integer) unknown_incrs_.push_back(i);
  }
  same_effect_prev_.assign(ops_.size(), kNoOp);
  std::unordered_map<std::uint64_t, std::uint32_t> last_of_effect;
  for (std::uint32_t i = known_; i < ops_.size(); ++i) {
    const std::uint64_t effect = (std::uint64_t{static_cast<std::uint8_t>(ops_[i].kind)} << 32) | ops_[i].arg;
    const auto [it, inserted] = last_of_effect.try_emplace(effect, i);
    if (!inserted) {
      same_effect_prev_[i] = it->second;
      it->second = i;
    }
  }
}

// Whether an op not yet linearized and invoked no later than `deadline` may
// leave the key in state `x`.
bool KeySearch::can_produce(StateId x, Time deadline) const {
  if (x < known_producers_.size()) {
    const std::vector<std::uint32_t>& known = known_producers_[x];
    // Every rank below the first unlinearized one is linearized.
    auto it = std::lower_bound(known.begin(), known.end(), first_unlinearized_rank());
    for (; it != known.end() && ops_[*it].call <= deadline; ++it)
      if (!linearized(*it)) return true;
    for (const std::uint32_t p : unknown_producers_[x]) {
      if (ops_[p].call > deadline) break;
      if (!linearized(p)) return true;
    }
  }
  if (model_.states().is_integer(x)) {
    for (const std::uint32_t p : unknown_incrs_) {
      if (ops_[p].call > deadline) break;
      if (!linearized(p)) return true;
    }
  }
  return false;
}

// A known op that needs a state other than the current one, when nothing that
// could still be linearized before it returns produces any state it needs:
// every continuation fails.
bool KeySearch::starved(const KeyOp& op, StateId state) const {
  if (op.n_needs == 0) return false;
  for (std::uint8_t i = 0; i < op.n_needs; ++i) {
    if (op.needs[i] == state || can_produce(op.needs[i], op.ret)) return false;
  }
  return true;
}

// Adds the current configuration to the cache; false if it was seen before.
bool KeySearch::remember(StateId state) {
  const std::uint32_t head = next_[kMainHead];
  const std::uint32_t m = head == kMainHead ? known_ : entries_[head].op;  // first unlinearized rank
  std::uint32_t first = m / 64;
  std::uint32_t last = hi_end_ == 0 ? 0 : (hi_end_ - 1) / 64;
  if (first >= known_words_) first = known_words_;  // all known ops linearized
  if (last < first) last = first;
  if (last >= known_words_) last = known_words_ == 0 ? 0 : known_words_ - 1;
  key_.clear();
  if (first < known_words_) key_.insert(key_.end(), bits_.begin() + first, bits_.begin() + last + 1);
  return cache_->insert(known_hash_ ^ state_hash(state), state, first, key_.data(),
                        static_cast<std::uint32_t>(key_.size()), bits_.data() + unknown_first_word_);
}

void KeySearch::snapshot(StateId state, const Cursor& cur, KeyOutcome& out) {
  if (have_snapshot_ && stack_.size() <= out.prefix.size()) return;
  have_snapshot_ = true;
  out.prefix.resize(stack_.size());
  for (std::size_t i = low_water_; i < stack_.size(); ++i) out.prefix[i] = stack_[i].op;
  low_water_ = stack_.size();
  out.state_after_prefix = state;
  out.candidates.assign(candidates_.begin() + cur.begin, candidates_.begin() + cur.end);
  out.starved_op.reset();
  if (cur.dead) out.starved_op = cur.starved_op;
  out.has_deadline = cur.deadline_entry != kMainHead;
  if (!out.has_deadline) return;
  out.deadline_op = entries_[cur.deadline_entry].op;
  for (std::uint32_t e = next_[kUnknownHead]; e != kUnknownHead && entries_[e].time <= cur.bound; e = next_[e])
    out.candidates.push_back(entries_[e].op);
}

KeyOutcome KeySearch::run() {
  KeyOutcome out;
  build_lists();
  std::size_t remaining_known = known_;

  const auto start = Clock::now();
  const bool timed = options_.time_budget_per_key.count() > 0;
  std::uint64_t iterations = 0;

  const auto finish = [&](Verdict v, bool exhausted) {
    out.verdict = v;
    out.budget_exhausted = exhausted;
    out.states = cache_->size();
    return out;
  };

  index_producers();
  StateId state = kNilState;
  remember(state);
  Cursor cur = open_config(state);

  while (true) {
    if (remaining_known == 0) return finish(Verdict::Linearizable, false);
    if (timed && (++iterations & 1023) == 0 && Clock::now() - start > options_.time_budget_per_key)
      return finish(Verdict::Unknown, true);

    // The next candidate of this configuration, if any is left.
    std::uint32_t op = 0;
    bool have = false;
    if (cur.dead) {
      // nothing to try
    } else if (!cur.in_unknown) {
      if (cur.pos < cur.end) {
        op = candidates_[cur.pos];
        have = true;
      } else {
        cur.in_unknown = true;
        cur.unknown_entry = next_[kUnknownHead];
      }
    }
    if (!cur.dead && cur.in_unknown && cur.unknown_entry != kUnknownHead &&
        entries_[cur.unknown_entry].time <= cur.bound) {
      op = entries_[cur.unknown_entry].op;
      have = true;
    }

    bool dead_end = !have;
    if (have) {
      const KeyOp& candidate = ops_[op];
      StateId next_state = kNilState;
      // An unknown op that would leave the state as it is never helps: the
      // same continuation works without it (unknown ops may be left out).
      bool worth_trying = model_.step(candidate, state, next_state) && (candidate.known || next_state != state);
      // Unknown ops with the same effect are interchangeable once invoked
      // (the bound on invocation times only grows along a path), so only the
      // earliest one not yet used is tried; the used ones of each effect are
      // then always the earliest, and equivalent configurations coincide.
      if (worth_trying && !candidate.known && same_effect_prev_[op] != kNoOp)
        worth_trying = linearized(same_effect_prev_[op]);
      // Just after an unknown op u took the state from p to `state`: an op
      // that does the same in p is not tried, because placing it in the
      // parent configuration instead (a sibling the search tries anyway)
      // reaches the same state with u still unused - u may be left out, so
      // that sibling succeeds whenever this branch would.
      if (worth_trying && cur.after_unknown) {
        StateId in_parent = kNilState;
        worth_trying = !(model_.step(candidate, cur.parent_state, in_parent) && in_parent == next_state);
      }
      if (worth_trying) {
        const bool forced = candidate.pure_read;
        const std::uint32_t prev_hi_end = hi_end_;
        flip(op);
        lift(op);
        if (candidate.known) hi_end_ = std::max(hi_end_, op + 1);
        if (remember(next_state)) {
          if (options_.max_states_per_key != 0 && cache_->size() >= options_.max_states_per_key)
            return finish(Verdict::Unknown, true);
          stack_.push_back(Frame{op, state, prev_hi_end, forced, cur});
          state = next_state;
          remaining_known -= candidate.known ? 1 : 0;
          cur = open_config(state);
          if (!candidate.known) {
            cur.after_unknown = true;
            cur.parent_state = stack_.back().prev_state;
          }
          continue;
        }
        hi_end_ = prev_hi_end;
        unlift(op);
        flip(op);
        // A pure read that fits here: if any linearization continues from
        // this configuration, one starts with it (moving a pure read to the
        // front of a linearization changes no state, and it precedes every
        // pending return). Its successor was already explored and failed, so
        // this configuration fails too.
        dead_end = forced;
      }
      if (!dead_end) {
        if (cur.in_unknown) {
          cur.unknown_entry = next_[cur.unknown_entry];
        } else {
          ++cur.pos;
        }
        continue;
      }
    }

    // Dead end: backtrack past every forced choice, then try the next candidate.
    snapshot(state, cur, out);
    while (true) {
      if (stack_.empty()) return finish(Verdict::NotLinearizable, false);
      const Frame f = stack_.back();
      stack_.pop_back();
      low_water_ = std::min(low_water_, stack_.size());
      candidates_.resize(f.cursor.end);
      unlift(f.op);
      flip(f.op);
      hi_end_ = f.prev_hi_end;
      state = f.prev_state;
      remaining_known += ops_[f.op].known ? 1 : 0;
      if (f.forced) continue;
      cur = f.cursor;
      if (cur.in_unknown) {
        cur.unknown_entry = next_[cur.unknown_entry];
      } else {
        ++cur.pos;
      }
      break;
    }
  }
}

// ---------------------------------------------------------------------------
// Partition by key and assemble the result.
// ---------------------------------------------------------------------------
struct KeyProblem {
  std::string_view key;
  std::vector<std::uint32_t> op_indices;  // into History::ops()
};

// `read_values`: the values known GETs on this key returned.
KeyOp make_key_op(const Operation& op, StateTable& states,
                  const std::unordered_set<std::string_view>& read_values) {
  KeyOp k;
  k.id = op.id;
  k.kind = op.kind;
  k.known = op.status == OpStatus::Ok;
  k.call = op.invoke_time;
  k.ret = k.known ? op.return_time : kInfinity;
  if (op.kind == OpKind::Set) {
    const bool opaque = !read_values.contains(op.value) && !parse_redis_integer(op.value).has_value();
    k.arg = k.produces = opaque ? kOpaqueState : states.intern(op.value);
  }
  if (!k.known) {
    if (op.kind == OpKind::Del) k.produces = kNilState;
    k.produces_any_integer = op.kind == OpKind::Incr;
    return k;
  }
  const Output& out = op.output;
  switch (op.kind) {
    case OpKind::Get:
      k.expect_state = out.type() == Output::Type::Value ? states.intern(out.text()) : kNilState;
      break;
    case OpKind::Set:
      break;
    case OpKind::Del:
    case OpKind::Exists:
    case OpKind::Incr:
      k.expect_error = out.type() == Output::Type::Error;
      k.expect_int = out.integer_value();
      break;
  }
  k.pure_read = op.kind == OpKind::Get || op.kind == OpKind::Exists ||
                (op.kind == OpKind::Del && k.expect_int == 0) || (op.kind == OpKind::Incr && k.expect_error);
  switch (op.kind) {
    case OpKind::Get:
      k.needs[k.n_needs++] = k.expect_state;
      break;
    case OpKind::Del:
      if (k.expect_int == 0) k.needs[k.n_needs++] = kNilState;
      if (k.expect_int == 1) k.produces = kNilState;
      break;
    case OpKind::Exists:
      if (k.expect_int == 0) k.needs[k.n_needs++] = kNilState;
      break;
    case OpKind::Incr:
      if (k.expect_error) break;
      k.produces = states.intern(std::to_string(k.expect_int));
      if (k.expect_int == 1) {
        k.needs[k.n_needs++] = kNilState;
        k.needs[k.n_needs++] = states.intern("0");
      } else if (k.expect_int != std::numeric_limits<std::int64_t>::min()) {
        k.needs[k.n_needs++] = states.intern(std::to_string(k.expect_int - 1));
      }
      break;
    case OpKind::Set:
      break;
  }
  return k;
}

// Unknown reads have no effect and no output to match: they constrain nothing.
bool constrains_nothing(const Operation& op) {
  return op.maybe_applied_late() && (op.kind == OpKind::Get || op.kind == OpKind::Exists);
}

std::string format_duration(std::chrono::nanoseconds d) {
  const double ms = static_cast<double>(d.count()) / 1e6;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f ms", ms);
  return buf;
}

Violation explain(const History& history, const std::vector<KeyOp>& ops, const StateTable& states,
                  const Model& model, const KeyOutcome& outcome, const std::string& key) {
  Violation v;
  v.key = key;
  // Replay the prefix for the concrete value (opaque states have none).
  StateId s = kNilState;
  std::optional<std::string> value;
  for (const std::uint32_t i : outcome.prefix) {
    v.prefix.push_back(ops[i].id);
    v.prefix_rendered.push_back(history.render(ops[i].id));
    StateId next = kNilState;
    model.step(ops[i], s, next);
    if (next == kOpaqueState && ops[i].kind == OpKind::Set) {
      value = history[ops[i].id].value;
    } else if (next != kOpaqueState) {
      value = states.value(next);
    }
    s = next;
  }
  v.state_after_prefix = value;
  for (const std::uint32_t i : outcome.candidates) {
    StateId next = kNilState;
    const bool fits = model.step(ops[i], s, next);
    std::string reason;
    if (!fits) {
      reason = "would return " + model.describe(ops[i], s, value);
      if (outcome.starved_op == i) reason += ", and nothing left can change that before it returns";
    } else if (!ops[i].known) {
      reason = "may take effect here, but nothing linearizes after it";
    } else {
      reason = "fits here, but nothing linearizes after it";
    }
    v.blocked.push_back(ops[i].id);
    v.blocked_rendered.push_back(history.render(ops[i].id) + "   <- " + reason);
  }
  if (outcome.has_deadline) {
    v.deadline_op = ops[outcome.deadline_op].id;
    v.deadline = ops[outcome.deadline_op].ret;
  }
  return v;
}

}  // namespace

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Linearizable:
      return "Linearizable";
    case Verdict::NotLinearizable:
      return "NotLinearizable";
    case Verdict::Unknown:
      return "Unknown";
  }
  return "?";
}

CheckResult check(const History& history, const CheckOptions& options) {
  const auto start = Clock::now();
  CheckResult result;
  result.explanation_prefix_ops = options.explanation_prefix_ops;

  std::unordered_map<std::string_view, std::size_t> key_index;
  std::vector<KeyProblem> problems;
  for (const Operation& op : history.ops()) {
    if (op.status == OpStatus::Failed) continue;
    ++result.ops_checked;
    const auto [it, inserted] = key_index.try_emplace(op.key, problems.size());
    if (inserted) problems.push_back(KeyProblem{op.key, {}});
    if (!constrains_nothing(op)) problems[it->second].op_indices.push_back(op.id.value);
  }
  std::sort(problems.begin(), problems.end(),
            [](const KeyProblem& a, const KeyProblem& b) { return a.key < b.key; });
  result.keys = problems.size();

  bool any_unknown = false;
  for (const KeyProblem& problem : problems) {
    StateTable states;
    std::unordered_set<std::string_view> read_values;
    for (const std::uint32_t i : problem.op_indices) {
      const Operation& op = history.ops()[i];
      if (op.status == OpStatus::Ok && op.kind == OpKind::Get && op.output.type() == Output::Type::Value)
        read_values.insert(op.output.text());
    }
    std::vector<KeyOp> ops;
    ops.reserve(problem.op_indices.size());
    for (const std::uint32_t i : problem.op_indices)
      ops.push_back(make_key_op(history.ops()[i], states, read_values));

    KeySearch search(ops, states, options);
    KeyOutcome outcome = search.run();

    KeyResult kr;
    kr.key = std::string(problem.key);
    kr.verdict = outcome.verdict;
    kr.ops = ops.size();
    kr.states_explored = outcome.states;
    kr.budget_exhausted = outcome.budget_exhausted;
    result.states_explored += outcome.states;
    result.per_key.push_back(kr);

    if (outcome.verdict == Verdict::Unknown) {
      any_unknown = true;
      result.unknown_keys.push_back(kr.key);
    } else if (outcome.verdict == Verdict::NotLinearizable && !result.violation) {
      result.violation = explain(history, ops, states, search.model(), outcome, kr.key);
      if (options.stop_at_first_violation) break;
    }
  }

  if (result.violation) {
    result.verdict = Verdict::NotLinearizable;
  } else if (any_unknown) {
    result.verdict = Verdict::Unknown;
  } else {
    result.verdict = Verdict::Linearizable;
  }
  result.elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start);
  return result;
}

std::string CheckResult::explanation() const {
  std::string out(to_string(verdict));
  out += ": " + std::to_string(ops_checked) + " ops on " + std::to_string(keys) + " keys, " +
         std::to_string(states_explored) + " states explored, " + format_duration(elapsed);
  if (!unknown_keys.empty()) {
    out += "\n  search budget exhausted (not proven linearizable) on " +
           std::to_string(unknown_keys.size()) + " key(s):";
    for (std::size_t i = 0; i < unknown_keys.size() && i < 8; ++i) out += " " + quote(unknown_keys[i]);
    if (unknown_keys.size() > 8) out += " ...";
  }
  if (!violation) return out;
  const Violation& v = *violation;
  out += "\n  key " + quote(v.key) + " has no linearization.";
  const std::size_t n = v.prefix_rendered.size();
  out += "\n  longest linearizable prefix: " + std::to_string(n) + " op(s)";
  const std::size_t shown = std::min(n, explanation_prefix_ops);
  if (shown < n) out += " (last " + std::to_string(shown) + " shown)";
  out += n == 0 ? "" : ":";
  for (std::size_t i = n - shown; i < n; ++i) out += "\n    " + v.prefix_rendered[i];
  out += "\n  after it the key is " +
         (v.state_after_prefix ? quote(*v.state_after_prefix) : std::string("absent (nil)"));
  out += "\n  none of these can be linearized next:";
  for (const std::string& b : v.blocked_rendered) out += "\n    " + b;
  if (v.deadline_op)
    out += "\n  (#" + std::to_string(v.deadline_op->value) + " returns at " + std::to_string(v.deadline) +
           " and must take effect by then; ops invoked later cannot come first)";
  return out;
}

}  // namespace quorum::lincheck
