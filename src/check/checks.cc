#include "check/checks.h"

#include "check/multipaxos_model.h"
#include "check/paxos_model.h"
#include "check/vsr_model.h"

namespace quorum::check {
namespace {

const char* search_name(SearchOrder order) {
  switch (order) {
    case SearchOrder::kBreadthFirst:
      return "breadth-first";
    case SearchOrder::kDepthFirst:
      return "depth-first";
    case SearchOrder::kRandomWalk:
      return "random walks";
  }
  return "?";
}

std::string ballot_list(std::uint32_t ballots, std::uint32_t proposers) {
  std::string out;
  for (std::uint32_t i = 0; i < ballots; ++i) {
    out += (i == 0 ? "" : ", ") + Ballot{1 + i / proposers, NodeId{1 + i % proposers}}.to_string();
  }
  return out;
}

std::optional<CheckRun> make_paxos(const CheckSettings& s, std::string& error) {
  PaxosModelOptions o;
  if (!s.break_name.empty()) {
    auto bugs = paxos::bugs_from_name(s.break_name);
    if (!bugs) {
      error = "unknown --break for paxos: " + s.break_name;
      return std::nullopt;
    }
    o.bugs = *bugs;
  }
  if (s.rounds || s.commands || s.views) {
    error = "--rounds, --views and --commands are for the log protocols (paxos: --ballots)";
    return std::nullopt;
  }
  auto rule = paxos::learner_rule_from_name(s.learner);
  if (!rule) {
    error = "unknown --learner: " + s.learner + " (classic or consecutive)";
    return std::nullopt;
  }
  o.learner = *rule;
  if (o.bugs.consecutive_with_gaps) o.learner = paxos::LearnerRule::kConsecutive;
  ExploreLimits limits = s.limits;
  limits.order = s.order.value_or(SearchOrder::kBreadthFirst);
  if (o.bugs.consecutive_with_gaps) {
    // A gap needs a ballot between two others, and the value on the far
    // side of it must then win a fourth: 4 ballots, a space too large to
    // exhaust, so seeded random walks look for it (and shorten what they find).
    o.ballots = 4;
    limits.order = s.order.value_or(SearchOrder::kRandomWalk);
  }
  o.ballots = s.ballots.value_or(o.ballots);
  o.crashes = s.crashes.value_or(o.crashes);
  std::string config = std::to_string(o.acceptors) + " acceptors, " + std::to_string(o.proposers) +
                       " proposers with values a and b, " + std::to_string(o.ballots) +
                       " ballots (" + ballot_list(o.ballots, o.proposers) + "), " + std::to_string(o.crashes) + " crash-restarts, any message lost, duplicated or reordered, " +
                       paxos::learner_rule_name(o.learner) + " learner";
  config += std::string(", ") + search_name(limits.order);
  return CheckRun{paxos::learner_rule_name(o.learner),
                  {CheckPhase{config, [o, limits] { return explore(PaxosModel(o), limits); }}}};
}

// True when the user chose no bounds and no search: `quorum check` then runs
// the default phases (a complete bounded search, then random walks).
bool default_bounds(const CheckSettings& s) {
  return !s.order && s.limits.max_depth == 0 && !s.rounds && !s.views && !s.commands && !s.crashes &&
         s.limits.max_seconds == 0;
}

// The random-walk phase of a default check: a fixed number of seeded walks,
// so the same binary explores the same runs everywhere.
ExploreLimits default_walks(const CheckSettings& s, std::uint64_t walks, std::uint32_t walk_depth) {
  ExploreLimits l = s.limits;
  l.order = SearchOrder::kRandomWalk;
  l.max_walks = walks;
  l.walk_depth = walk_depth;
  return l;
}

std::string multipaxos_configuration(const MultiPaxosModelOptions& o, const ExploreLimits& limits) {
  return std::to_string(o.replicas) + " replicas (1.." + std::to_string(o.candidates) + " campaign), " +
         std::to_string(o.commands) + " client commands (one per slot), elections in rounds 0.." +
         std::to_string(o.rounds - 1) + ", " + std::to_string(o.crashes) +
         " crash-restarts, any message lost, duplicated or reordered, " + search_name(limits.order) +
         (limits.order == SearchOrder::kRandomWalk
              ? " (" + std::to_string(limits.max_walks) + " walks of up to " + std::to_string(limits.walk_depth) +
                    " actions)"
              : (limits.max_depth ? " to depth " + std::to_string(limits.max_depth) : ""));
}

// Every run of up to this many actions (the whole space is far too large:
// millions of states by depth 16, about seven times more every two levels).
constexpr std::uint32_t kMultiPaxosDefaultDepth = 16;
// The default random phase: every replica campaigns, twice, with three
// commands and a crash-restart in play.
constexpr std::uint64_t kMultiPaxosDefaultWalks = 6'000;
constexpr std::uint32_t kMultiPaxosWalkDepth = 80;

std::optional<CheckRun> make_multipaxos(const CheckSettings& s, std::string& error) {
  MultiPaxosModelOptions o;
  if (!s.break_name.empty()) {
    auto bugs = multipaxos::bugs_from_name(s.break_name);
    if (!bugs) {
      error = "unknown --break for multipaxos: " + s.break_name;
      return std::nullopt;
    }
    o.bugs = *bugs;
  }
  if (s.learner != "classic") {
    error = "--learner is for --protocol paxos";
    return std::nullopt;
  }
  if (s.ballots || s.views) {
    error = "--ballots is for --protocol paxos, --views for vsr (multipaxos: --rounds)";
    return std::nullopt;
  }
  const bool defaults = default_bounds(s);
  o.rounds = s.rounds.value_or(o.rounds);
  o.commands = s.commands.value_or(o.commands);
  o.crashes = s.crashes.value_or(o.crashes);
  ExploreLimits limits = s.limits;
  limits.order = s.order.value_or(SearchOrder::kBreadthFirst);
  if (limits.max_depth == 0 && limits.order == SearchOrder::kBreadthFirst) limits.max_depth = kMultiPaxosDefaultDepth;
  CheckRun run;
  run.phases.push_back(
      {multipaxos_configuration(o, limits), [o, limits] { return explore(MultiPaxosModel(o), limits); }});
  if (defaults) {
    MultiPaxosModelOptions deep = o;
    deep.candidates = deep.replicas;
    deep.rounds = 2;
    deep.commands = 3;
    deep.crashes = 1;
    const ExploreLimits walks = default_walks(s, kMultiPaxosDefaultWalks, kMultiPaxosWalkDepth);
    run.phases.push_back(
        {multipaxos_configuration(deep, walks), [deep, walks] { return explore(MultiPaxosModel(deep), walks); }});
  }
  return run;
}

std::string vsr_configuration(const VsrModelOptions& o, const ExploreLimits& limits) {
  return std::to_string(o.replicas) + " replicas, " + std::to_string(o.commands) +
         " client commands (one per op), views 0.." + std::to_string(o.views - 1) + ", " +
         std::to_string(o.crashes) + " crash-restarts, any message lost, duplicated or reordered, " +
         search_name(limits.order) +
         (limits.order == SearchOrder::kRandomWalk
              ? " (" + std::to_string(limits.max_walks) + " walks of up to " + std::to_string(limits.walk_depth) +
                    " actions)"
              : (limits.max_depth ? " to depth " + std::to_string(limits.max_depth) : ""));
}

// The default bounded phase reaches three views (0, 1, 2): a view change
// whose new primary must prefer a shorter log from a newer view to a longer
// one from an older view needs them.
constexpr std::uint32_t kVsrDefaultViews = 3;
constexpr std::uint32_t kVsrDefaultDepth = 11;
// The default random phase: four views, three commands, a crash-restart.
constexpr std::uint64_t kVsrDefaultWalks = 6'000;
constexpr std::uint32_t kVsrWalkDepth = 80;

std::optional<CheckRun> make_vsr(const CheckSettings& s, std::string& error) {
  VsrModelOptions o;
  if (!s.break_name.empty()) {
    auto bugs = vsr::bugs_from_name(s.break_name);
    if (!bugs) {
      error = "unknown --break for vsr: " + s.break_name;
      return std::nullopt;
    }
    o.bugs = *bugs;
  }
  if (s.learner != "classic") {
    error = "--learner is for --protocol paxos";
    return std::nullopt;
  }
  if (s.ballots || s.rounds) {
    error = "--ballots is for --protocol paxos, --rounds for multipaxos (vsr: --views)";
    return std::nullopt;
  }
  const bool defaults = default_bounds(s);
  o.views = s.views.value_or(kVsrDefaultViews);
  o.commands = s.commands.value_or(o.commands);
  o.crashes = s.crashes.value_or(o.crashes);
  ExploreLimits limits = s.limits;
  limits.order = s.order.value_or(SearchOrder::kBreadthFirst);
  if (limits.max_depth == 0 && limits.order == SearchOrder::kBreadthFirst) limits.max_depth = kVsrDefaultDepth;
  CheckRun run;
  run.phases.push_back({vsr_configuration(o, limits), [o, limits] { return explore(VsrModel(o), limits); }});
  if (defaults) {
    VsrModelOptions deep = o;
    deep.views = 4;
    deep.commands = 3;
    deep.crashes = 1;
    const ExploreLimits walks = default_walks(s, kVsrDefaultWalks, kVsrWalkDepth);
    run.phases.push_back({vsr_configuration(deep, walks), [deep, walks] { return explore(VsrModel(deep), walks); }});
  }
  return run;
}

}  // namespace

ExploreReport run_phases(const CheckRun& run) {
  ExploreReport r;
  for (const CheckPhase& phase : run.phases) {
    r = phase.run();
    if (r.violation) break;
  }
  return r;
}

const std::vector<CheckProtocol>& check_protocols() {
  static const std::vector<CheckProtocol> all = {
      {"paxos", paxos::bug_names(), make_paxos},
      {"multipaxos", multipaxos::bug_names(), make_multipaxos},
      {"vsr", vsr::bug_names(), make_vsr},
  };
  return all;
}

const CheckProtocol* find_check_protocol(const std::string& name) {
  for (const CheckProtocol& p : check_protocols()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace quorum::check
