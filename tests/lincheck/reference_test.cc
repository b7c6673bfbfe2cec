// The checker against a brute-force reference on small random histories.
//
// The reference is the textbook definition with nothing clever: try every op
// whose invocation no pending op's return strictly precedes, apply it to a
// std::map KV store, memoise failed (set of applied ops, store) pairs. Unknown
// ops may be applied at any point or never; failed ops are dropped. It checks
// all keys together, so it also checks the per-key split (locality).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lincheck/checker.h"
#include "lincheck/generator.h"

namespace quorum::lincheck {
namespace {

// INCR's view of a string: a Redis integer has no sign but '-', no leading
// zeros, no "-0", no spaces, and fits in int64 (written independently of the
// checker's parser on purpose).
std::optional<std::int64_t> reference_integer(const std::string& s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  const bool negative = s[0] == '-';
  const std::string digits = negative ? s.substr(1) : s;
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  if (digits[0] == '0' && (digits.size() > 1 || negative)) return std::nullopt;
  try {
    std::size_t used = 0;
    const long long v = std::stoll(s, &used);
    if (used != s.size()) return std::nullopt;
    return static_cast<std::int64_t>(v);
  } catch (...) {
    return std::nullopt;
  }
}

using Store = std::map<std::string, std::string>;

// Applies `op` to `store`; false if its recorded output (when known) differs.
bool reference_apply(const Operation& op, Store& store) {
  const bool known = op.status == OpStatus::Ok;
  const auto it = store.find(op.key);
  const bool exists = it != store.end();
  switch (op.kind) {
    case OpKind::Get: {
      const Output out = exists ? Output::value(it->second) : Output::nil();
      return !known || out == op.output;
    }
    case OpKind::Set:
      store[op.key] = op.value;
      return true;
    case OpKind::Del:
      if (exists) store.erase(it);
      return !known || op.output == Output::integer(exists ? 1 : 0);
    case OpKind::Exists:
      return !known || op.output == Output::integer(exists ? 1 : 0);
    case OpKind::Incr: {
      std::optional<std::int64_t> current = exists ? reference_integer(it->second) : std::optional<std::int64_t>(0);
      if (!current || *current == INT64_MAX) return !known || op.output.type() == Output::Type::Error;
      store[op.key] = std::to_string(*current + 1);
      return !known || op.output == Output::integer(*current + 1);
    }
  }
  return false;
}

class Reference {
 public:
  explicit Reference(const History& h) {
    for (const Operation& op : h.ops())
      if (op.status != OpStatus::Failed) ops_.push_back(op);
    if (ops_.size() > 63) throw std::invalid_argument("reference: too many ops");
  }

  bool linearizable() { return search(0, Store{}); }

 private:
  bool search(std::uint64_t done, const Store& store) {
    bool all_known_done = true;
    for (std::size_t i = 0; i < ops_.size(); ++i)
      if (!(done >> i & 1) && ops_[i].status == OpStatus::Ok) all_known_done = false;
    if (all_known_done) return true;
    if (!failed_.insert({done, store}).second) return false;
    for (std::size_t i = 0; i < ops_.size(); ++i) {
      if (done >> i & 1) continue;
      bool allowed = true;  // no pending op returned strictly before ops_[i] began
      for (std::size_t j = 0; j < ops_.size() && allowed; ++j)
        if (j != i && !(done >> j & 1) && ops_[j].status == OpStatus::Ok &&
            ops_[j].return_time < ops_[i].invoke_time)
          allowed = false;
      if (!allowed) continue;
      Store next = store;
      if (!reference_apply(ops_[i], next)) continue;
      if (search(done | (std::uint64_t{1} << i), next)) return true;
    }
    return false;
  }

  std::vector<Operation> ops_;
  std::set<std::pair<std::uint64_t, Store>> failed_;
};

// A small history with outputs drawn at random from a small domain, so that
// both verdicts are common.
History random_small_history() {
  const auto n = *rc::gen::inRange<std::size_t>(1, 10);
  const auto two_keys = *rc::gen::arbitrary<bool>();
  const std::vector<std::string> values = {"a", "b", "1", "2", "01", "9223372036854775807"};
  History h;
  for (std::size_t i = 0; i < n; ++i) {
    const auto kind = static_cast<OpKind>(*rc::gen::inRange(0, 5));
    const std::string key = two_keys && *rc::gen::arbitrary<bool>() ? "j" : "k";
    const std::string value = kind == OpKind::Set ? *rc::gen::elementOf(values) : "";
    const Time invoke = *rc::gen::inRange<Time>(0, 16);
    const Time ret = invoke + *rc::gen::inRange<Time>(0, 8);
    const OpId id = h.invoke(*rc::gen::inRange<ClientId>(1, 5), kind, key, value, invoke);
    const int status = *rc::gen::inRange(0, 100);
    if (status < 12) {
      h.unknown(id);
      continue;
    }
    if (status < 18) {
      h.failed(id);
      continue;
    }
    Output out;
    switch (kind) {
      case OpKind::Get: {
        const int pick = *rc::gen::inRange(0, 8);
        out = pick == 0 ? Output::nil() : Output::value(pick < 7 ? values[static_cast<std::size_t>(pick - 1)] : "3");
        break;
      }
      case OpKind::Set:
        break;
      case OpKind::Del:
      case OpKind::Exists:
        out = Output::integer(*rc::gen::inRange(0, 2));
        break;
      case OpKind::Incr:
        out = *rc::gen::inRange(0, 5) == 0 ? Output::error("ERR not an integer")
                                           : Output::integer(*rc::gen::inRange(1, 5));
        break;
    }
    h.ok(id, out, ret);
  }
  return h;
}

History mutate(const History& g);

// A generated linearizable history with (maybe) one output changed.
History mutated_generated_history() {
  GeneratorOptions o;
  o.seed = *rc::gen::arbitrary<std::uint64_t>();
  o.ops = *rc::gen::inRange<std::size_t>(1, 14);
  o.clients = *rc::gen::inRange<std::size_t>(1, 6);
  o.keys = *rc::gen::inRange<std::size_t>(1, 3);
  o.unknown_permille = *rc::gen::inRange<std::uint32_t>(0, 600);
  o.max_latency = *rc::gen::inRange<Time>(1, 12);
  // The default mix, or random ones: counters (INCR-heavy) and registers
  // (SET-heavy) included.
  if (*rc::gen::arbitrary<bool>()) return mutate(generate_linearizable_history(o));
  o.set_permille = *rc::gen::inRange<std::uint32_t>(0, 500);
  o.incr_permille = *rc::gen::inRange<std::uint32_t>(0, 1000 - o.set_permille);
  o.del_permille = *rc::gen::inRange<std::uint32_t>(0, 1000 - o.set_permille - o.incr_permille);
  o.exists_permille = *rc::gen::inRange<std::uint32_t>(0, 1001 - o.set_permille - o.incr_permille - o.del_permille);
  o.integer_value_permille = *rc::gen::inRange<std::uint32_t>(0, 1001);
  return mutate(generate_linearizable_history(o));
}

// `g` with (maybe) one output changed.
History mutate(const History& g) {
  const bool mutate = *rc::gen::arbitrary<bool>();
  const std::size_t target = *rc::gen::inRange<std::size_t>(0, g.size());
  History h;
  for (const Operation& op : g.ops()) {
    const OpId id = h.invoke(op.client, op.kind, op.key, op.value, op.invoke_time);
    if (op.status == OpStatus::Unknown) {
      h.unknown(id);
    } else if (op.status == OpStatus::Failed) {
      h.failed(id);
    } else {
      Output out = op.output;
      if (mutate && op.id.value == target) {
        if (op.kind == OpKind::Get) out = *rc::gen::arbitrary<bool>() ? Output::nil() : Output::value("1");
        if (op.kind == OpKind::Del || op.kind == OpKind::Exists) out = Output::integer(1 - out.integer_value());
        if (op.kind == OpKind::Incr)
          out = out.type() == Output::Type::Error ? Output::integer(1) : Output::integer(out.integer_value() + 1);
      }
      h.ok(id, out, op.return_time);
    }
  }
  return h;
}

void expect_agreement(const History& h) {
  const bool expected = Reference(h).linearizable();
  const CheckResult r = check(h);
  RC_CLASSIFY(expected, "linearizable");
  RC_CLASSIFY(!expected, "not linearizable");
  if (r.verdict != (expected ? Verdict::Linearizable : Verdict::NotLinearizable)) {
    std::string ops;
    for (const Operation& op : h.ops()) ops += "\n  " + render(op);
    RC_FAIL("reference says " + std::string(expected ? "linearizable" : "not linearizable") +
            ", checker says " + r.explanation() + "\nhistory:" + ops);
  }
}

RC_GTEST_PROP(LincheckReference, AgreesOnRandomSmallHistories, ()) { expect_agreement(random_small_history()); }

RC_GTEST_PROP(LincheckReference, AgreesOnMutatedGeneratedHistories, ()) {
  expect_agreement(mutated_generated_history());
}

// The same comparison over many more fixed seeds than rapidcheck's default run.
TEST(LincheckReference, AgreesOnTwentyThousandSeeds) {
  const auto small = rc::gen::exec(&random_small_history);
  const auto mutated = rc::gen::exec(&mutated_generated_history);
  int linearizable = 0;
  for (std::uint64_t seed = 1; seed <= 20000; ++seed) {
    const History h = (seed % 2 ? small : mutated)(rc::Random(seed), static_cast<int>(seed % 101)).value();
    const bool expected = Reference(h).linearizable();
    linearizable += expected ? 1 : 0;
    const CheckResult r = check(h);
    if (r.verdict != (expected ? Verdict::Linearizable : Verdict::NotLinearizable)) {
      std::string ops;
      for (const Operation& op : h.ops()) ops += "\n  " + render(op);
      FAIL() << "seed " << seed << ": reference says " << (expected ? "linearizable" : "not linearizable")
             << ", checker says " << r.explanation() << "\nhistory:" << ops;
    }
  }
  // Both verdicts are well represented.
  EXPECT_GT(linearizable, 4000);
  EXPECT_LT(linearizable, 16000);
  RecordProperty("linearizable_seeds", linearizable);
}

}  // namespace
}  // namespace quorum::lincheck
