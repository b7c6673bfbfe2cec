// Randomized checks against histories that are linearizable by construction
// (generator.h: each op applied atomically at a random instant inside its
// interval), and against the same histories with one read corrupted.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "lincheck/checker.h"
#include "lincheck/generator.h"

namespace quorum::lincheck {
namespace {

GeneratorOptions arbitrary_options() {
  GeneratorOptions o;
  o.seed = *rc::gen::arbitrary<std::uint64_t>();
  o.ops = *rc::gen::inRange<std::size_t>(1, 400);
  o.clients = *rc::gen::inRange<std::size_t>(1, 13);
  o.keys = *rc::gen::inRange<std::size_t>(1, 6);
  o.unknown_permille = *rc::gen::inRange<std::uint32_t>(0, 150);
  o.failed_permille = *rc::gen::inRange<std::uint32_t>(0, 50);
  o.max_think = *rc::gen::inRange<Time>(1, 10);
  o.max_latency = *rc::gen::inRange<Time>(1, 40);
  return o;
}

// A copy of `h` in which op `target` returned `output` instead.
History with_output(const History& h, OpId target, const Output& output) {
  History copy;
  for (const Operation& op : h.ops()) {
    const OpId id = copy.invoke(op.client, op.kind, op.key, op.value, op.invoke_time);
    switch (op.status) {
      case OpStatus::Ok:
        copy.ok(id, op.id == target ? output : op.output, op.return_time);
        break;
      case OpStatus::Unknown:
        copy.unknown(id);
        break;
      case OpStatus::Failed:
        copy.failed(id);
        break;
      case OpStatus::Pending:
        break;
    }
  }
  return copy;
}

bool is_known(const Operation& op, OpKind kind) { return op.status == OpStatus::Ok && op.kind == kind; }

// A value that can never be current during `read`: written by exactly one
// acknowledged SET `w` (generated "v<n>" values are unique and not integers,
// so no INCR makes them), and overwritten by another acknowledged SET or DEL
// `w2` with w < w2 < read in real time, so every linearization has w2 between
// w and the read.
std::optional<std::string> stale_value_for(const History& h, const Operation& read) {
  for (const Operation& w : h.ops()) {
    if (!is_known(w, OpKind::Set) || w.key != read.key || w.value.empty() || w.value[0] != 'v') continue;
    if (!(w.return_time < read.invoke_time)) continue;
    if (read.output == Output::value(w.value)) continue;
    for (const Operation& w2 : h.ops()) {
      const bool overwrites = (is_known(w2, OpKind::Set) && w2.value != w.value) || is_known(w2, OpKind::Del);
      if (overwrites && w2.key == read.key && w.return_time < w2.invoke_time &&
          w2.return_time < read.invoke_time)
        return w.value;
    }
  }
  return std::nullopt;
}

RC_GTEST_PROP(LincheckProperty, GeneratedHistoriesAreLinearizable, ()) {
  const GeneratorOptions o = arbitrary_options();
  const History h = generate_linearizable_history(o);
  const CheckResult r = check(h);
  if (r.verdict != Verdict::Linearizable) RC_FAIL(r.explanation());
}

RC_GTEST_PROP(LincheckProperty, ACorruptedReadIsNotLinearizable, ()) {
  GeneratorOptions o = arbitrary_options();
  o.ops = *rc::gen::inRange<std::size_t>(20, 400);
  const History h = generate_linearizable_history(o);

  std::vector<OpId> reads;
  for (const Operation& op : h.ops())
    if (is_known(op, OpKind::Get)) reads.push_back(op.id);
  RC_PRE(!reads.empty());
  // Prefer a stale value (the hard case); fall back to one nobody wrote.
  const std::size_t start = *rc::gen::inRange<std::size_t>(0, reads.size());
  OpId target = reads[start];
  std::optional<std::string> corrupt;
  for (std::size_t i = 0; i < reads.size() && !corrupt; ++i) {
    target = reads[(start + i) % reads.size()];
    corrupt = stale_value_for(h, h[target]);
  }
  const bool stale = corrupt.has_value();
  if (!stale) {
    target = reads[start];
    corrupt = "never-written";
  }
  RC_CLASSIFY(stale, "stale value");
  RC_CLASSIFY(!stale, "value never written");

  const History bad = with_output(h, target, Output::value(*corrupt));
  const CheckResult r = check(bad);
  RC_ASSERT(r.verdict == Verdict::NotLinearizable);
  RC_ASSERT(r.violation.has_value());
  RC_ASSERT(r.violation->key == h[target].key);
}

TEST(LincheckProperty, CorruptionIsCaughtAcrossManySeeds) {
  // The same property at a fixed, larger size, for a deterministic signal.
  int stale_cases = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    GeneratorOptions o;
    o.seed = seed;
    o.ops = 600;
    o.clients = 8;
    o.keys = 3;
    o.unknown_permille = 50;
    const History h = generate_linearizable_history(o);
    ASSERT_EQ(check(h).verdict, Verdict::Linearizable) << "seed " << seed;
    for (const Operation& op : h.ops()) {
      if (!is_known(op, OpKind::Get)) continue;
      const auto v = stale_value_for(h, op);
      if (!v) continue;
      const CheckResult r = check(with_output(h, op.id, Output::value(*v)));
      ASSERT_EQ(r.verdict, Verdict::NotLinearizable) << "seed " << seed << " op " << h.render(op.id);
      EXPECT_EQ(r.violation->key, op.key);
      ++stale_cases;
      break;
    }
  }
  EXPECT_GT(stale_cases, 30);
}

}  // namespace
}  // namespace quorum::lincheck
