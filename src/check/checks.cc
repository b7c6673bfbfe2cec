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
  return CheckRun{config, paxos::learner_rule_name(o.learner), [o, limits] { return explore(PaxosModel(o), limits); }};
}

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
  o.rounds = s.rounds.value_or(o.rounds);
  o.commands = s.commands.value_or(o.commands);
  o.crashes = s.crashes.value_or(o.crashes);
  ExploreLimits limits = s.limits;
  limits.order = s.order.value_or(SearchOrder::kBreadthFirst);
  // The whole space is far too large (millions of states by depth 16, about
  // seven times more every two levels), so the default is a bounded but
  // complete statement: every execution of up to 16 actions.
  if (limits.max_depth == 0 && limits.order == SearchOrder::kBreadthFirst) limits.max_depth = 16;
  std::string config = std::to_string(o.replicas) + " replicas (1 and " + std::to_string(o.candidates) +
                       " campaign), " + std::to_string(o.commands) +
                       " client commands (one per slot), elections in rounds 0.." +
                       std::to_string(o.rounds - 1) + ", " + std::to_string(o.crashes) +
                       " crash-restarts, any message lost, duplicated or reordered, " +
                       search_name(limits.order) +
                       (limits.max_depth ? " to depth " + std::to_string(limits.max_depth) : "");
  return CheckRun{config, "", [o, limits] { return explore(MultiPaxosModel(o), limits); }};
}

// Every run of up to this many actions (the whole space is too large).
constexpr std::uint32_t kVsrDefaultDepth = 12;

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
  o.views = s.views.value_or(o.views);
  o.commands = s.commands.value_or(o.commands);
  o.crashes = s.crashes.value_or(o.crashes);
  ExploreLimits limits = s.limits;
  limits.order = s.order.value_or(SearchOrder::kBreadthFirst);
  if (limits.max_depth == 0 && limits.order == SearchOrder::kBreadthFirst) limits.max_depth = kVsrDefaultDepth;
  std::string config = std::to_string(o.replicas) + " replicas, " + std::to_string(o.commands) +
                       " client commands (one per op), views 0.." + std::to_string(o.views - 1) + ", " +
                       std::to_string(o.crashes) + " crash-restarts, any message lost, duplicated or reordered, " +
                       search_name(limits.order) +
                       (limits.max_depth ? " to depth " + std::to_string(limits.max_depth) : "");
  return CheckRun{config, "", [o, limits] { return explore(VsrModel(o), limits); }};
}

}  // namespace

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
